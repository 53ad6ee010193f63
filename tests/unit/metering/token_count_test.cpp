#include "tollgate/metering/token_count.hpp"

#include "tollgate/tokens/builtin.hpp"

#include <gtest/gtest.h>

namespace tollgate::metering {
namespace {

const tokens::encoding& enc(const char* name) {
    static std::map<std::string, std::shared_ptr<const tokens::encoding>> cache;
    auto& e = cache[name];
    std::string error;
    if (!e)
        e = tokens::load_builtin(name, error);
    return *e;
}

std::optional<tokens::json_member> member(tokens::json_kind kind, std::string_view raw) {
    return tokens::json_member{{}, kind, raw};
}

std::int64_t count(const prompt_members& m,
                   const char* encoding = "o200k_base",
                   std::size_t max_bytes = 1 << 20) {
    text_counter c(enc(encoding), tokens::special_tokens::text, max_bytes);
    count_prompt(m, c);
    return c.tokens();
}

// OpenAI's cookbook example (with a CJK line added); the expected counts are the cookbook's
// formula evaluated with the reference tokenizer (npm tiktoken): 89 under cl100k_base, 85
// under o200k_base.
constexpr std::string_view cookbook =
    R"([{"role":"system","content":"You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},)"
    R"({"role":"system","name":"example_user","content":"New synergies will help drive top-line growth."},)"
    R"({"role":"system","name":"example_assistant","content":"Things working well together will increase revenue."},)"
    R"({"role":"user","content":"This late pivot means we don't have time to boil the ocean for the client deliverable. \u65e5\u672c\u8a9e\u3082\u5c11\u3057\u3002"}])";

TEST(TokenCount, ChatFramingMatchesTheDocumentedCount) {
    prompt_members m;
    m.messages = member(tokens::json_kind::array, cookbook);
    EXPECT_EQ(count(m, "cl100k_base"), 89);
    EXPECT_EQ(count(m, "o200k_base"), 85);
}

TEST(TokenCount, ContentPartsCountTheirTextAndImagesAFixedPrice) {
    prompt_members m;
    m.messages = member(
        tokens::json_kind::array,
        R"([{"role":"user","content":[{"type":"text","text":"Describe"},{"type":"text","text":" this image."},)"
        R"({"type":"image_url","image_url":{"url":"https://x/y.png"}}]}])");
    // 3 (message) + 1 ("user") + 4 (the two texts) + 85 (image) + 3 (priming).
    EXPECT_EQ(count(m), 3 + 1 + 4 + 85 + 3);
}

TEST(TokenCount, CompletionsAndEmbeddingsInputs) {
    prompt_members m;
    m.prompt = member(tokens::json_kind::string, "hello world");
    EXPECT_EQ(count(m), 2);
    prompt_members ids;
    ids.input = member(tokens::json_kind::array, "[[1,2,3],[4,5]]");
    EXPECT_EQ(count(ids), 5);
    prompt_members strings;
    strings.input = member(tokens::json_kind::array, R"(["hello world", "hello"])");
    EXPECT_EQ(count(strings), 3);
}

TEST(TokenCount, EscapesAreDecodedBeforeCounting) {
    prompt_members escaped;
    escaped.prompt = member(tokens::json_kind::string, R"(\u0068ello world)");
    prompt_members plain;
    plain.prompt = member(tokens::json_kind::string, "hello world");
    EXPECT_EQ(count(escaped), count(plain));
}

TEST(TokenCount, AnthropicSystemCountsAsAMessage) {
    prompt_members m;
    m.system = member(tokens::json_kind::string, "Be brief.");
    m.messages = member(tokens::json_kind::array, R"([{"role":"user","content":"Hi"}])");
    const std::int64_t be_brief = static_cast<std::int64_t>(enc("o200k_base").count("Be brief."));
    EXPECT_EQ(count(m), 3 + be_brief + 3 + 1 + 1 + 3);
}

TEST(TokenCount, TextBeyondTheBudgetIsCountedByRatio) {
    std::string big;
    for (int i = 0; i < 2000; ++i)
        big += "the quick brown fox ";  // 40,000 bytes, 4 tokens/20B
    prompt_members m;
    m.prompt = member(tokens::json_kind::string, big);
    const std::int64_t exact = count(m, "o200k_base", 1 << 20);
    text_counter c(enc("o200k_base"), tokens::special_tokens::text, 4000);
    count_prompt(m, c);
    EXPECT_TRUE(c.partial());
    EXPECT_NEAR(static_cast<double>(c.tokens()), static_cast<double>(exact), exact * 0.01);
    text_counter none(enc("o200k_base"), tokens::special_tokens::text, 0);
    count_prompt(m, none);
    EXPECT_EQ(none.tokens(), 10000);  // 40,000 bytes / 4
}

}  // namespace
}  // namespace tollgate::metering

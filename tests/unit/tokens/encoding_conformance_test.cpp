// Conformance: our ids equal the reference tokenizer's (npm tiktoken, encode_ordinary) on
// every committed vector (tests/data/tokenizer_vectors.json, made by
// scripts/tokenizer/make_vectors.mjs). TG_TOKENIZER_VECTORS names another vectors file (the
// differential fuzz script uses it).
#include "tollgate/tokens/builtin.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::tokens {
namespace {

std::string base64_decode(std::string_view in) {
    static const std::string alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (const char c : in) {
        if (c == '=')
            break;
        acc = (acc << 6) | static_cast<std::uint32_t>(alphabet.find(c));
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    return out;
}

nlohmann::json load_vectors() {
    const char* env = std::getenv("TG_TOKENIZER_VECTORS");
    const std::string path =
        env ? std::string(env) : std::string(TG_SOURCE_DIR) + "/tests/data/tokenizer_vectors.json";
    std::ifstream in(path);
    EXPECT_TRUE(in) << path;
    return nlohmann::json::parse(in);
}

std::shared_ptr<const encoding> builtin(const std::string& name) {
    std::string error;
    auto enc = load_builtin(name, error);
    EXPECT_TRUE(enc) << error;
    return enc;
}

class Conformance : public ::testing::TestWithParam<std::string> {};

TEST_P(Conformance, EveryVectorGivesTheReferenceIds) {
    const auto enc = builtin(GetParam());
    ASSERT_TRUE(enc);
    const nlohmann::json file = load_vectors();
    std::size_t checked = 0;
    std::size_t failed = 0;
    for (const auto& v : file.at("vectors")) {
        const std::string input = base64_decode(v.at("input").get<std::string>());
        const auto expected = v.at(GetParam()).get<std::vector<rank_t>>();
        std::vector<rank_t> got;
        enc->encode(input, got);
        ++checked;
        if (got != expected && ++failed <= 10) {
            ADD_FAILURE() << v.at("name").get<std::string>() << ": got " << nlohmann::json(got)
                          << "\nexpected " << nlohmann::json(expected);
        }
        EXPECT_EQ(enc->count(input), expected.size());
    }
    EXPECT_EQ(failed, 0U) << "of " << checked;
    EXPECT_GT(checked, 400U);
}

INSTANTIATE_TEST_SUITE_P(Builtins, Conformance, ::testing::Values("cl100k_base", "o200k_base"));

TEST(Encoding, SpecialTokensAreTextByDefaultAndOneTokenWhenRecognised) {
    const auto enc = builtin("cl100k_base");
    ASSERT_TRUE(enc);
    std::vector<rank_t> ids;
    enc->encode("a<|endoftext|>b", ids, special_tokens::recognised);
    ASSERT_EQ(ids.size(), 3U);
    EXPECT_EQ(ids[1], 100257U);
    EXPECT_GT(enc->count("<|endoftext|>"), 1U);
    EXPECT_EQ(enc->count("<|endoftext|><|endofprompt|>", special_tokens::recognised), 2U);
    EXPECT_EQ(enc->count("<|notspecial|>", special_tokens::recognised),
              enc->count("<|notspecial|>"));
}

TEST(Encoding, LoadsACustomVocabularyWithABuiltinPattern) {
    std::string error;
    // Four single bytes and one merge: "ab" -> 4.
    const auto enc =
        load_encoding("tiny", "YQ== 0\nYg== 1\nIA== 2\nYw== 3\nYWI= 4\n", "o200k_base", error);
    ASSERT_TRUE(enc) << error;
    std::vector<rank_t> ids;
    enc->encode("ab cab", ids);
    EXPECT_EQ(ids, (std::vector<rank_t>{4, 2, 3, 4}));
    // A byte the vocabulary lacks is skipped, not a crash.
    EXPECT_EQ(enc->count("az"), 1U);
}

TEST(Encoding, RejectsABadPattern) {
    std::string error;
    EXPECT_FALSE(load_encoding("x", "YQ== 0\n", "(unclosed", error));
    EXPECT_NE(error.find("pattern"), std::string::npos);
    EXPECT_FALSE(load_builtin("p50k_base", error));
    EXPECT_NE(error.find("unknown encoding"), std::string::npos);
}

}  // namespace
}  // namespace tollgate::tokens

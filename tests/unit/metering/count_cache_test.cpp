#include "tollgate/metering/count_cache.hpp"

#include "tollgate/metering/token_count.hpp"
#include "tollgate/tokens/builtin.hpp"

#include <memory>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace tollgate::metering {
namespace {

std::shared_ptr<const tokens::encoding> load(const char* name) {
    std::string error;
    auto e = tokens::load_builtin(name, error);
    EXPECT_TRUE(e) << error;
    return e;
}

std::string random_text(std::mt19937& rng) {
    static constexpr std::string_view words[] = {
        "hello", " world", " the", "\n\n", "  ", "42", "日本語", " é", "<|endoftext|>", "'s", "!"};
    std::string s;
    const auto n = rng() % 12 + 1;
    for (unsigned i = 0; i < n; ++i) {
        s += words[rng() % std::size(words)];
    }
    return s;
}

TEST(CountCache, GivesWhatTheEncodingCountsAndRemembersIt) {
    const auto enc = load("o200k_base");
    count_cache cache(64);  // small: slots are replaced often
    std::mt19937 rng(7);
    std::vector<std::string> texts;
    for (int i = 0; i < 300; ++i) {
        texts.push_back(random_text(rng));
    }
    for (int round = 0; round < 3; ++round) {
        for (const auto& t : texts) {
            ASSERT_EQ(cache.count(*enc, tokens::special_tokens::text, t),
                      enc->count(t, tokens::special_tokens::text))
                << t;
        }
    }
    EXPECT_GT(cache.hits(), 0u);
    EXPECT_GT(cache.misses(), 0u);

    count_cache big(1 << 16);  // 300 texts: ~0.7 pairs expected to share a slot
    for (const auto& t : texts) {
        big.count(*enc, tokens::special_tokens::text, t);
    }
    const auto misses = big.misses();
    for (const auto& t : texts) {
        big.count(*enc, tokens::special_tokens::text, t);
    }
    EXPECT_LE(big.misses() - misses, 10u);  // all remembered, but for a rare shared slot
}

TEST(CountCache, KeepsEncodingsAndModesApart) {
    const auto o200k = load("o200k_base");
    const auto cl100k = load("cl100k_base");
    // Roomy: the cache is direct-mapped under a random key, so three entries share a slot
    // with a chance of 3 in its size (1024 made this test fail about once in 300 runs).
    count_cache cache(1 << 16);
    const std::string text = "<|endoftext|> 日本語のテキスト and some English words";
    const auto text_mode = tokens::special_tokens::text;
    const auto recognised = tokens::special_tokens::recognised;
    ASSERT_NE(o200k->count(text, text_mode), o200k->count(text, recognised));
    ASSERT_NE(o200k->count(text, text_mode), cl100k->count(text, text_mode));
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(cache.count(*o200k, text_mode, text), o200k->count(text, text_mode));
        EXPECT_EQ(cache.count(*o200k, recognised, text), o200k->count(text, recognised));
        EXPECT_EQ(cache.count(*cl100k, text_mode, text), cl100k->count(text, text_mode));
    }
    EXPECT_EQ(cache.hits(), 3u);
}

TEST(CountCache, OffWhenSizedZero) {
    const auto enc = load("o200k_base");
    count_cache cache(0);
    EXPECT_EQ(cache.capacity(), 0u);
    EXPECT_EQ(cache.count(*enc, tokens::special_tokens::text, "hello there"), 2u);
    EXPECT_EQ(cache.count(*enc, tokens::special_tokens::text, "hello there"), 2u);
    EXPECT_EQ(cache.hits(), 0u);
}

TEST(CountCache, PromptCountIsTheSameWithAndWithoutIt) {
    const auto enc = load("cl100k_base");
    count_cache cache(256);
    const std::string messages =
        R"([{"role":"system","content":"You are terse.\nAnswer in one line."},)"
        R"({"role":"user","content":[{"type":"text","text":"Hi there"}]}])";
    prompt_members m;
    m.messages = tokens::json_member{{}, tokens::json_kind::array, messages};
    text_counter plain(*enc, tokens::special_tokens::text, 1 << 20);
    count_prompt(m, plain);
    for (int i = 0; i < 3; ++i) {
        text_counter cached(*enc, tokens::special_tokens::text, 1 << 20, &cache);
        count_prompt(m, cached);
        EXPECT_EQ(cached.tokens(), plain.tokens());
    }
    EXPECT_GT(cache.hits(), 0u);
}

TEST(CountCache, ATextCutByTheByteBudgetIsNotRemembered) {
    const auto enc = load("o200k_base");
    count_cache cache(256);
    const std::string text = "a longer text than the budget allows to be tokenized exactly";
    for (int i = 0; i < 2; ++i) {
        text_counter c(*enc, tokens::special_tokens::text, 10, &cache);
        c.add_text(text);
        text_counter plain(*enc, tokens::special_tokens::text, 10);
        plain.add_text(text);
        EXPECT_EQ(c.tokens(), plain.tokens());
        EXPECT_TRUE(c.partial());
    }
    EXPECT_EQ(cache.hits() + cache.misses(), 0u);
}

}  // namespace
}  // namespace tollgate::metering

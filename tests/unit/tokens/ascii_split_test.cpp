// The hand matcher against PCRE2 running the same patterns: on random text built from the
// bytes the patterns care about (cases, digits, apostrophes and contraction letters, every
// ASCII space, punctuation, control bytes) and characters outside ASCII that are letters,
// marks, digits, spaces or punctuation there, both splitters must give the same pieces.
#include "tollgate/tokens/ascii_split.hpp"

#include "tollgate/tokens/pretokenizer.hpp"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tollgate::tokens {
namespace {

std::vector<std::string> pieces(const pretokenizer& p, std::string_view text) {
    std::vector<std::string> out;
    p.split(text, [&](std::string_view piece) { out.emplace_back(piece); });
    return out;
}

pretokenizer compiled(std::string_view pattern, split_engine engine) {
    std::string error;
    auto p = pretokenizer::compile(pattern, error, engine);
    EXPECT_TRUE(p) << error;
    return std::move(*p);
}

const std::vector<std::string> ascii_atoms = {
    "a",  "z",    "A",  "Z",  "s", "t", "r", "e",   "v", "m", "l",    "d",    "S",
    "T",  "RE",   "Ll", "'",  "'", "0", "9", "123", " ", " ", "  ",   "\t",   "\n",
    "\r", "\r\n", "\v", "\f", "/", "(", "!", "...", "-", "_", "\x01", "\x1f", "\x7f"};
const std::vector<std::string> wide_atoms = {
    "\xc3\xa9",          // é, Ll
    "\xc3\x89",          // É, Lu
    "\xc5\xbf",          // ſ: caseless 's'
    "\xc7\x85",          // ǅ, Lt
    "\xca\xb0",          // ʰ, Lm
    "\xe4\xb8\xad",      // 中, Lo
    "\xcc\x81",          // combining acute, M
    "\xd9\xa3",          // Arabic-indic three, N
    "\xc2\xa0",          // no-break space
    "\xc2\x85",          // next line: a space
    "\xe2\x80\xa8",      // line separator
    "\xe2\x80\x94",      // em dash, punctuation
    "\xf0\x9f\x98\x80",  // emoji, So
};

std::string random_text(std::mt19937& rng, bool wide) {
    std::uniform_int_distribution<int> length(0, 24);
    std::uniform_int_distribution<std::size_t> pick_ascii(0, ascii_atoms.size() - 1);
    std::uniform_int_distribution<std::size_t> pick_wide(0, wide_atoms.size() - 1);
    std::uniform_int_distribution<int> percent(0, 99);
    std::string text;
    for (int i = length(rng); i > 0; --i) {
        text +=
            wide && percent(rng) < 15 ? wide_atoms[pick_wide(rng)] : ascii_atoms[pick_ascii(rng)];
    }
    return text;
}

class AsciiSplit : public ::testing::TestWithParam<std::string_view> {};

TEST_P(AsciiSplit, GivesThePiecesTheRegexGivesOnRandomText) {
    const pretokenizer fast = compiled(GetParam(), split_engine::fastest);
    const pretokenizer regex = compiled(GetParam(), split_engine::regex_only);
    std::mt19937 rng(20261124);
    for (int i = 0; i < 40000; ++i) {
        const std::string text = random_text(rng, i % 2 == 1);
        ASSERT_EQ(pieces(fast, text), pieces(regex, text))
            << "text: " << ::testing::PrintToString(text);
    }
}

TEST_P(AsciiSplit, AnswersEveryPositionOfAsciiText) {
    const split_grammar grammar =
        GetParam() == cl100k_pattern ? split_grammar::cl100k : split_grammar::o200k;
    std::mt19937 rng(7);
    for (int i = 0; i < 2000; ++i) {
        const std::string text = random_text(rng, false);
        for (std::size_t at = 0; at < text.size(); at = ascii_match_end(text, at, grammar)) {
            ASSERT_GT(ascii_match_end(text, at, grammar), at) << ::testing::PrintToString(text);
        }
    }
}

TEST_P(AsciiSplit, LeavesToTheRegexWhatDependsOnACharacterOutsideAscii) {
    const split_grammar grammar =
        GetParam() == cl100k_pattern ? split_grammar::cl100k : split_grammar::o200k;
    EXPECT_EQ(ascii_match_end("caf\xc3\xa9", 0, grammar), 0U);    // the word goes on
    EXPECT_EQ(ascii_match_end("  \xc2\xa0x", 0, grammar), 0U);    // the space run goes on
    EXPECT_EQ(ascii_match_end("1\xd9\xa3", 0, grammar), 0U);      // a digit follows
    EXPECT_EQ(ascii_match_end("'\xc5\xbf", 0, grammar), 0U);      // 's, caselessly
    EXPECT_EQ(ascii_match_end("word \xc3\xa9", 0, grammar), 4U);  // decided before it
    EXPECT_EQ(ascii_match_end("123\xd9\xa3", 0, grammar), 3U);    // three digits at most
}

INSTANTIATE_TEST_SUITE_P(BuiltinPatterns,
                         AsciiSplit,
                         ::testing::Values(cl100k_pattern, o200k_pattern),
                         [](const ::testing::TestParamInfo<std::string_view>& param) {
                             return std::string(param.param == cl100k_pattern ? "cl100k" : "o200k");
                         });

}  // namespace
}  // namespace tollgate::tokens

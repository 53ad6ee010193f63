#include "tollgate/tokens/json_string.hpp"

#include <gtest/gtest.h>

namespace tollgate::tokens {
namespace {

TEST(JsonUnescape, DecodesEscapesToUtf8) {
    EXPECT_EQ(json_unescape("plain"), "plain");
    EXPECT_EQ(json_unescape(R"(a\"b\\c\/d\n)"), "a\"b\\c/d\n");
    EXPECT_EQ(json_unescape(R"(\u00e9\u20ac\ud83d\ude00)"), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    EXPECT_FALSE(json_unescape(R"(\ud83d)"));
    EXPECT_FALSE(json_unescape(R"(\q)"));
}

TEST(Utf8SequenceLength, AcceptsValidAndRefusesMalformed) {
    EXPECT_EQ(utf8_sequence_length("\xc3\xa9", 0), 2u);
    EXPECT_EQ(utf8_sequence_length("\xe2\x82\xac", 0), 3u);
    EXPECT_EQ(utf8_sequence_length("\xf0\x9f\x98\x80", 0), 4u);
    EXPECT_EQ(utf8_sequence_length("\xc0\xaf", 0), 0u);          // overlong
    EXPECT_EQ(utf8_sequence_length("\xed\xa0\x80", 0), 0u);      // surrogate
    EXPECT_EQ(utf8_sequence_length("\xf4\x90\x80\x80", 0), 0u);  // past U+10FFFF
    EXPECT_EQ(utf8_sequence_length("\xe2\x82", 0), 0u);          // truncated
    EXPECT_EQ(utf8_sequence_length("\x80", 0), 0u);              // a lone continuation
}

TEST(ReadUEscape, ParsesFourHexDigits) {
    EXPECT_EQ(read_u_escape("\\u00e9", 0), 0xe9);
    EXPECT_EQ(read_u_escape("\\uD83D", 0), 0xd83d);
    EXPECT_EQ(read_u_escape("\\u12", 0), -1);
    EXPECT_EQ(read_u_escape("\\x1234", 0), -1);
}

}  // namespace
}  // namespace tollgate::tokens

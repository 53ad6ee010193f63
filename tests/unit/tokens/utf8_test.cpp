#include "tollgate/tokens/utf8.hpp"

#include <gtest/gtest.h>

namespace tollgate::tokens {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ascii text that is longer than eight bytes"));
    EXPECT_TRUE(is_valid_utf8("\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"));
}

TEST(Utf8, RejectsIllFormedText) {
    for (const std::string_view bad : {"\x80",
                                       "\xff",
                                       "\xc0\xaf",
                                       "\xe0\x80\xaf",
                                       "\xed\xa0\x80",
                                       "\xf4\x90\x80\x80",
                                       "\xe2\x82",
                                       "abc\xf0\x9f\x98"}) {
        EXPECT_FALSE(is_valid_utf8(bad)) << bad;
    }
}

TEST(Utf8, ReplacesEachMaximalSubpartByOneReplacementCharacter) {
    const std::string r = "\xef\xbf\xbd";
    EXPECT_EQ(repair_utf8("a\x80"
                          "b"),
              "a" + r + "b");
    // A truncated sequence is one subpart; the byte after it starts afresh.
    EXPECT_EQ(repair_utf8("a\xe2\x82"
                          "b"),
              "a" + r + "b");
    // Overlong and surrogate lead bytes: every byte is its own subpart.
    EXPECT_EQ(repair_utf8("\xc0\xaf"), r + r);
    EXPECT_EQ(repair_utf8("\xed\xa0\x80"), r + r + r);
    EXPECT_EQ(repair_utf8("\xf0\x9f\x98"), r);
    EXPECT_EQ(repair_utf8("ok \xc3\xa9"), "ok \xc3\xa9");
}

}  // namespace
}  // namespace tollgate::tokens

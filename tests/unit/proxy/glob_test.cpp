#include "tollgate/proxy/glob.hpp"

#include <string>

#include <gtest/gtest.h>

namespace tollgate::proxy {
namespace {

TEST(GlobMatch, StarAndQuestionMark) {
    EXPECT_TRUE(glob_match("gpt-*", "gpt-4o-mini"));
    EXPECT_TRUE(glob_match("gpt-*", "gpt-"));
    EXPECT_FALSE(glob_match("gpt-*", "gpt"));
    EXPECT_TRUE(glob_match("o?", "o1"));
    EXPECT_FALSE(glob_match("o?", "o10"));
    EXPECT_TRUE(glob_match("*-mini", "gpt-4o-mini"));
    EXPECT_TRUE(glob_match("*", ""));
    EXPECT_TRUE(glob_match("a*b*c", "axxbyyc"));
    EXPECT_FALSE(glob_match("a*b*c", "axxbyy"));
    EXPECT_TRUE(glob_match("exact", "exact"));
    EXPECT_FALSE(glob_match("exact", "exactly"));
}

TEST(GlobMatch, PathologicalPatternStaysFast) {
    const std::string text(10000, 'a');
    EXPECT_FALSE(glob_match("*a*a*a*a*a*a*a*b", text));
}

TEST(GlobMatch, IsLiteral) {
    EXPECT_TRUE(is_literal("gpt-4o"));
    EXPECT_FALSE(is_literal("gpt-*"));
    EXPECT_FALSE(is_literal("o?"));
}

}  // namespace
}  // namespace tollgate::proxy

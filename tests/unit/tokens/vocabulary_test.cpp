#include "tollgate/tokens/vocabulary.hpp"

#include "tollgate/tokens/builtin.hpp"

#include <gtest/gtest.h>

namespace tollgate::tokens {
namespace {

TEST(Vocabulary, ParsesRanksAndLooksThemUp) {
    std::string error;
    auto v = vocabulary::parse("YQ== 0\r\nYg== 1\n\nYWI= 7\n", error);
    ASSERT_TRUE(v) << error;
    EXPECT_EQ(v->size(), 3U);
    EXPECT_EQ(v->rank("a"), 0U);
    EXPECT_EQ(v->rank("ab"), 7U);
    EXPECT_FALSE(v->rank("abc"));
    EXPECT_FALSE(v->rank(""));
    EXPECT_EQ(v->token(7), "ab");
    EXPECT_EQ(v->token(3), "");
    EXPECT_EQ(v->token(99), "");
}

TEST(Vocabulary, ReportsTheLineOfABadEntry) {
    std::string error;
    EXPECT_FALSE(vocabulary::parse("YQ== 0\nnot-base64! 1\n", error));
    EXPECT_EQ(error, "line 2: the token is not valid base64");
    EXPECT_FALSE(vocabulary::parse("YQ== x\n", error));
    EXPECT_NE(error.find("line 1"), std::string::npos);
    EXPECT_FALSE(vocabulary::parse("YQ==\n", error));
    EXPECT_FALSE(vocabulary::parse("YQ== 0\nYQ== 1\n", error));
    EXPECT_NE(error.find("twice"), std::string::npos);
    EXPECT_FALSE(vocabulary::parse("YQ== 0\nYg== 0\n", error));
    EXPECT_NE(error.find("twice"), std::string::npos);
    EXPECT_FALSE(vocabulary::parse("", error));
}

TEST(Vocabulary, ShippedVocabulariesHaveTheDocumentedSizes) {
    std::string error;
    const auto cl = load_builtin("cl100k_base", error);
    const auto o = load_builtin("o200k_base", error);
    ASSERT_TRUE(cl && o) << error;
    EXPECT_EQ(cl->vocab().size(), 100256U);
    EXPECT_EQ(o->vocab().size(), 199998U);
    // Every single byte is a token, so any text can be encoded.
    for (int b = 0; b < 256; ++b) {
        const char c = static_cast<char>(b);
        EXPECT_TRUE(cl->vocab().rank(std::string_view(&c, 1)));
        EXPECT_TRUE(o->vocab().rank(std::string_view(&c, 1)));
    }
}

}  // namespace
}  // namespace tollgate::tokens

#include "tollgate/auth/key_memo.hpp"

#include <gtest/gtest.h>

namespace tollgate::auth {
namespace {

TEST(KeyMemo, GivesEachKeysOwnDigestAsKeysAlternate) {
    const auto a = mint_key();
    const auto b = mint_key();
    key_memo memo;
    EXPECT_EQ(memo.digest_of(a.secret), a.digest);
    EXPECT_EQ(memo.digest_of(a.secret), a.digest);  // remembered
    EXPECT_EQ(memo.digest_of(b.secret), b.digest);  // a new key is hashed, not mistaken
    EXPECT_EQ(memo.digest_of(a.secret), a.digest);
}

TEST(KeyMemo, TellsKeysApartThatDifferInTheLastCharacter) {
    const auto a = mint_key();
    std::string near = a.secret;
    near.back() = near.back() == 'A' ? 'B' : 'A';
    key_memo memo;
    EXPECT_EQ(memo.digest_of(a.secret), a.digest);
    EXPECT_EQ(memo.digest_of(near), digest_of(near));
    EXPECT_NE(memo.digest_of(near), a.digest);
}

TEST(KeyMemo, DoesNotRememberTextOfAnotherLength) {
    key_memo memo;
    EXPECT_EQ(memo.digest_of("short"), digest_of("short"));
    EXPECT_EQ(memo.digest_of(""), digest_of(""));  // not mistaken for "short"'s entry
}

}  // namespace
}  // namespace tollgate::auth

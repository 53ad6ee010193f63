#include "tollgate/auth/api_key.hpp"

#include <set>

#include <gtest/gtest.h>

namespace tollgate::auth {
namespace {

TEST(ApiKey, MintedKeysHaveTheDocumentedForm) {
    const auto k = mint_key();
    EXPECT_EQ(k.secret.size(), key_length);
    EXPECT_TRUE(k.secret.starts_with("tg_"));
    EXPECT_TRUE(is_well_formed_key(k.secret)) << k.secret;
    EXPECT_EQ(k.prefix, k.secret.substr(0, 11));
    EXPECT_EQ(k.id.size(), 26u);
    EXPECT_TRUE(k.id.starts_with("key_"));
    EXPECT_EQ(k.digest, digest_of(k.secret));
}

TEST(ApiKey, MintedKeysAndIdsAreDistinct) {
    std::set<std::string> secrets;
    std::set<std::string> ids;
    for (int i = 0; i < 2000; ++i) {
        const auto k = mint_key();
        EXPECT_TRUE(secrets.insert(k.secret).second);
        EXPECT_TRUE(ids.insert(k.id).second);
    }
}

TEST(ApiKey, EveryMistypedCharacterIsRefused) {
    const auto k = mint_key();
    for (std::size_t i = 0; i < k.secret.size(); ++i) {
        for (char c : std::string("0aZ_-")) {
            std::string typo = k.secret;
            if (typo[i] == c) {
                continue;
            }
            typo[i] = c;
            EXPECT_FALSE(is_well_formed_key(typo)) << typo;
        }
    }
    std::string swapped = k.secret;
    std::swap(swapped[10], swapped[11]);
    EXPECT_TRUE(swapped == k.secret || !is_well_formed_key(swapped));
}

TEST(ApiKey, RefusesOtherShapes) {
    const auto k = mint_key();
    EXPECT_FALSE(is_well_formed_key(""));
    EXPECT_FALSE(is_well_formed_key("sk-" + k.secret.substr(3)));
    EXPECT_FALSE(is_well_formed_key(k.secret + "0"));
    EXPECT_FALSE(is_well_formed_key(k.secret.substr(0, key_length - 1)));
}

TEST(ApiKey, Crc32AndSha256KnownVectors) {
    EXPECT_EQ(crc32("123456789"), 0xCBF43926u);  // the standard check value
    EXPECT_EQ(crc32(""), 0u);
    EXPECT_EQ(to_hex(digest_of("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ApiKey, DisplayPrefixNeverExceedsItsLength) {
    EXPECT_EQ(display_prefix("tg_short"), "tg_short");
    EXPECT_EQ(display_prefix(std::string(100, 'x')).size(), key_prefix_length);
}

}  // namespace
}  // namespace tollgate::auth

#include "tollgate/core/siphash.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace tollgate {
namespace {

// The reference vectors of the SipHash paper: key 00 01 .. 0f, message 00 01 .. n-1.
TEST(SipHash, TwoFourMatchesTheReferenceVectors) {
    const siphash_key key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
    std::string message;
    for (int i = 0; i < 16; ++i) {
        message += static_cast<char>(i);
    }
    const auto of = [&](std::size_t n) {
        return siphash<2, 4>(key, std::string_view(message).substr(0, n));
    };
    EXPECT_EQ(of(0), 0x726fdb47dd0e0e31ULL);
    EXPECT_EQ(of(1), 0x74f839c593dc67fdULL);
    EXPECT_EQ(of(2), 0x0d6c8009d9a94f5aULL);
    EXPECT_EQ(of(3), 0x85676696d7fb7e2dULL);
    EXPECT_EQ(of(7), 0xab0200f58b01d137ULL);
    EXPECT_EQ(of(8), 0x93f5f5799a932462ULL);
    EXPECT_EQ(of(15), 0xa129ca6149be45e5ULL);
    EXPECT_EQ(of(16), 0x3f2acc7f57c29bdbULL);
}

TEST(SipHash, OneThreeDependsOnKeyLengthAndEveryByte) {
    const siphash_key a{1, 2};
    const siphash_key b{1, 3};
    const std::string text = "the same words in the same order";
    const auto under_a = siphash<1, 3>(a, text);
    const auto under_b = siphash<1, 3>(b, text);
    EXPECT_NE(under_a, under_b);
    std::set<std::uint64_t> seen{under_a};
    for (std::size_t i = 0; i < text.size(); ++i) {
        std::string changed = text;
        changed[i] ^= 1;
        EXPECT_TRUE(seen.insert((siphash<1, 3>(a, changed))).second) << i;
    }
    // A zero byte more is another text (the length is hashed).
    EXPECT_TRUE(seen.insert((siphash<1, 3>(a, text + std::string(1, '\0')))).second);
}

TEST(SipHash, RandomKeysDiffer) {
    const auto a = random_siphash_key();
    const auto b = random_siphash_key();
    EXPECT_FALSE(a.k0 == b.k0 && a.k1 == b.k1);
}

}  // namespace
}  // namespace tollgate

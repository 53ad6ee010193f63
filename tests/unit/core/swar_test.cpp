#include "tollgate/core/swar.hpp"

#include <array>
#include <bit>
#include <random>

#include <gtest/gtest.h>

namespace tollgate::swar {
namespace {

// The first byte the mask flags, or 8; and the first byte `matches` accepts, or 8.
int first_flagged(std::uint64_t mask) {
    return mask == 0 ? 8 : std::countr_zero(mask) / 8;
}

template <typename Match>
int first_matching(const std::array<char, 8>& bytes, Match matches) {
    for (int i = 0; i < 8; ++i) {
        if (matches(static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]))) {
            return i;
        }
    }
    return 8;
}

TEST(Swar, TheLowestFlaggedByteIsAlwaysTheFirstMatch) {
    static_assert(std::endian::native == std::endian::little, "the test reads bytes in order");
    std::mt19937 rng(11);
    // Bytes near the edges the masks test, where borrows and false alarms happen.
    const std::array<unsigned char, 12> edges = {
        0, 1, 0x1f, 0x20, 0x21, '"', '=', 0x7e, 0x7f, 0x80, 0xff, 'a'};
    for (int round = 0; round < 200000; ++round) {
        std::array<char, 8> bytes;
        for (auto& b : bytes) {
            b = static_cast<char>(edges[rng() % edges.size()]);
        }
        const std::uint64_t v = load(bytes.data());
        ASSERT_EQ(first_flagged(bytes_below(v, 0x20)),
                  first_matching(bytes, [](unsigned c) { return c < 0x20; }));
        ASSERT_EQ(first_flagged(bytes_equal(v, '"')),
                  first_matching(bytes, [](unsigned c) { return c == '"'; }));
        ASSERT_EQ(first_flagged(bytes_equal(v, 0x7f)),
                  first_matching(bytes, [](unsigned c) { return c == 0x7f; }));
        ASSERT_EQ(first_flagged(bytes_equal(v, 0)),
                  first_matching(bytes, [](unsigned c) { return c == 0; }));
        ASSERT_EQ(first_flagged(bytes_high(v)),
                  first_matching(bytes, [](unsigned c) { return c >= 0x80; }));
    }
}

TEST(Swar, LowersExactlyTheAsciiCapitals) {
    std::mt19937 rng(5);
    for (int round = 0; round < 100000; ++round) {
        std::array<char, 8> bytes;
        for (auto& b : bytes) {
            b = static_cast<char>(rng() % 256);  // every byte value, '@', '[' and 0xc1 included
        }
        std::array<char, 8> want = bytes;
        for (auto& c : want) {
            if (c >= 'A' && c <= 'Z') {
                c = static_cast<char>(c + 0x20);
            }
        }
        ASSERT_EQ(to_lower_ascii(load(bytes.data())), load(want.data()));
    }
    for (int c = 0; c < 256; ++c) {  // each value once, in every lane
        std::array<char, 8> bytes;
        bytes.fill(static_cast<char>(c));
        const char want =
            (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 0x20) : static_cast<char>(c);
        std::array<char, 8> lowered;
        lowered.fill(want);
        ASSERT_EQ(to_lower_ascii(load(bytes.data())), load(lowered.data())) << c;
    }
}

}  // namespace
}  // namespace tollgate::swar

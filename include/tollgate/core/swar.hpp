// Eight bytes at a time in one 64-bit word ("SIMD within a register"): the byte tests that
// the header parser, the JSON scanner and the access log run over their hottest loops. Each
// mask holds the high bit of every matching byte. Its lowest set bit always marks a true
// match; bits above it may be false alarms (a borrow carries on). So use only the lowest
// bit, or whether the mask is zero. Pure, constexpr.
#pragma once

#include <cstdint>
#include <cstring>

namespace tollgate::swar {

inline constexpr std::uint64_t ones = 0x0101010101010101ULL;
inline constexpr std::uint64_t highs = 0x8080808080808080ULL;

/// The bytes of `v` below `n` (n at most 0x80).
constexpr std::uint64_t bytes_below(std::uint64_t v, std::uint8_t n) noexcept {
    return (v - ones * n) & ~v & highs;
}

/// The bytes of `v` equal to `c`.
constexpr std::uint64_t bytes_equal(std::uint64_t v, char c) noexcept {
    return bytes_below(v ^ (ones * static_cast<std::uint8_t>(c)), 1);
}

/// The bytes of `v` at or above 0x80 (not ASCII).
constexpr std::uint64_t bytes_high(std::uint64_t v) noexcept {
    return v & highs;
}

/// `v` with each byte 'A'..'Z' made lower case and every other byte as it was.
constexpr std::uint64_t to_lower_ascii(std::uint64_t v) noexcept {
    // For each byte's low seven bits h: h + (0x80 - 'A') sets bit 7 when h >= 'A', and
    // h + (0x7f - 'Z') sets it when h > 'Z'; neither sum carries into the next byte. A byte
    // is upper case where exactly the first is set and the byte itself is ASCII.
    const std::uint64_t low7 = v & ~highs;
    const std::uint64_t at_least_a = low7 + ones * (0x80 - 'A');
    const std::uint64_t above_z = low7 + ones * (0x7f - 'Z');
    const std::uint64_t upper = (at_least_a ^ above_z) & ~v & highs;
    return v | (upper >> 2);  // bit 7 moved to bit 5: +0x20
}

/// The eight bytes at `p`, any alignment, in memory order from the lowest byte up on a
/// little-endian machine.
inline std::uint64_t load(const char* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

}  // namespace tollgate::swar

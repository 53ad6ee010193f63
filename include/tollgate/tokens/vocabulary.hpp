// vocabulary: the ranks of a byte-pair-encoding vocabulary in tiktoken's file format (one
// `base64(token bytes) rank` pair per line), held for fast lookup of any byte string's rank.
// Immutable after parsing, so one instance is shared by every thread. Pure.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::tokens {

using rank_t = std::uint32_t;

class vocabulary {
public:
    /// Parses a tiktoken file's text. On failure returns nullopt and sets `error` to the line
    /// number and what is wrong with it (bad base64, bad rank, duplicate token or rank).
    static std::optional<vocabulary> parse(std::string_view text, std::string& error);

    /// The rank of exactly these bytes, or nullopt when they are not a token.
    std::optional<rank_t> rank(std::string_view bytes) const noexcept {
        const std::uint64_t h = hash(bytes);
        const std::uint32_t tag = tag_of(h, bytes.size());
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            const std::uint64_t slot = slots_[i];
            if (slot == 0) {
                return std::nullopt;
            }
            if (static_cast<std::uint32_t>(slot >> 32) != tag) {
                continue;
            }
            const auto r = static_cast<rank_t>(slot) - 1;
            if (equal(arena_.data() + offsets_[r], bytes)) {
                return r;
            }
        }
    }

    /// The rank of the two bytes a, b (a table: every piece's first merge round asks it for
    /// each adjacent pair), or no_pair.
    static constexpr rank_t no_pair = 0xffffffff;
    rank_t pair_rank(unsigned char a, unsigned char b) const noexcept {
        return pairs_[(std::size_t{a} << 8) | b];
    }

    /// The bytes of the token with this rank (empty when no token has it).
    std::string_view token(rank_t r) const noexcept {
        if (r >= offsets_.size() - 1) {
            return {};
        }
        return std::string_view(arena_).substr(offsets_[r], offsets_[r + 1] - offsets_[r]);
    }

    std::size_t size() const noexcept { return count_; }
    /// One past the largest rank.
    std::size_t rank_limit() const noexcept { return offsets_.size() - 1; }
    /// Bytes of heap this vocabulary holds (token bytes, offsets, hash slots).
    std::size_t memory_bytes() const noexcept;

    /// The lookup table's hash: a multiply-fold over 8-byte words (tokens are short, so
    /// this is a few instructions). Exposed for tests.
    static std::uint64_t hash(std::string_view bytes) noexcept {
        const char* p = bytes.data();
        std::size_t n = bytes.size();
        std::uint64_t a = 0;
        std::uint64_t b = 0;
        std::uint64_t seed = 0x9e3779b97f4a7c15ULL ^ n;
        if (n <= 16) {
            if (n >= 8) {
                a = load64(p);
                b = load64(p + n - 8);
            } else if (n >= 4) {
                a = load32(p);
                b = load32(p + n - 4);
            } else if (n > 0) {
                a = (std::uint64_t{static_cast<unsigned char>(p[0])} << 16) |
                    (std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8) |
                    static_cast<unsigned char>(p[n - 1]);
            }
        } else {
            while (n > 16) {
                seed = fold(load64(p) ^ 0xa0761d6478bd642fULL, load64(p + 8) ^ seed);
                p += 16;
                n -= 16;
            }
            a = load64(p + n - 16);
            b = load64(p + n - 8);
        }
        return fold(a ^ 0xe7037ed1a0b428dbULL, b ^ seed);
    }

private:
    vocabulary() = default;
    // A slot's tag: the hash's top 24 bits and the length (capped at 255), so that a probe
    // rejects almost every other token without touching its bytes.
    static std::uint32_t tag_of(std::uint64_t h, std::size_t size) noexcept {
        return static_cast<std::uint32_t>((h >> 40) << 8) |
               static_cast<std::uint32_t>(size < 255 ? size : 255);
    }
    // `stored` holds at least bytes.size() bytes when the tags matched (same length, or both
    // at least 255). Short keys compare as two overlapping words instead of a memcmp call.
    static bool equal(const char* stored, std::string_view bytes) noexcept {
        const std::size_t n = bytes.size();
        if (n >= 8 && n <= 16) {
            return load64(stored) == load64(bytes.data()) &&
                   load64(stored + n - 8) == load64(bytes.data() + n - 8);
        }
        if (n >= 4 && n < 8) {
            return load32(stored) == load32(bytes.data()) &&
                   load32(stored + n - 4) == load32(bytes.data() + n - 4);
        }
        if (n < 4) {
            for (std::size_t i = 0; i < n; ++i) {
                if (stored[i] != bytes[i]) {
                    return false;
                }
            }
            return true;
        }
        return std::memcmp(stored, bytes.data(), n) == 0;
    }
    static std::uint64_t load64(const char* p) noexcept {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        return v;
    }
    static std::uint64_t load32(const char* p) noexcept {
        std::uint32_t v;
        std::memcpy(&v, p, 4);
        return v;
    }
    static std::uint64_t fold(std::uint64_t x, std::uint64_t y) noexcept {
        __extension__ using u128 = unsigned __int128;
        const u128 m = static_cast<u128>(x) * y;
        return static_cast<std::uint64_t>(m) ^ static_cast<std::uint64_t>(m >> 64);
    }
    bool insert(std::string_view bytes, rank_t r);

    std::string arena_;                   // every token's bytes, in rank order
    std::vector<std::uint32_t> offsets_;  // token r is arena_[offsets_[r], offsets_[r+1])
    std::vector<std::uint64_t> slots_;    // open addressing: tag_of(hash, size) | rank + 1
    std::vector<rank_t> pairs_;           // 65536: rank of every two-byte string
    std::size_t mask_ = 0;
    std::size_t count_ = 0;
};

}  // namespace tollgate::tokens

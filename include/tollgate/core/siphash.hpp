// siphash: SipHash (Aumasson and Bernstein), a keyed 64-bit hash. With a secret random key
// nobody outside the process can make two inputs hash alike, so a cache keyed by it cannot be
// poisoned by chosen text. Rounds are parameters: 2-4 is the reference (tested against its
// published vectors), 1-3 the faster variant the caches use.
#pragma once

#include <cstdint>
#include <string_view>

namespace tollgate {

struct siphash_key {
    std::uint64_t k0 = 0;
    std::uint64_t k1 = 0;
};

/// SipHash-c-d of `data` under `key`.
template <int C, int D>
std::uint64_t siphash(const siphash_key& key, std::string_view data) noexcept;

extern template std::uint64_t siphash<1, 3>(const siphash_key&, std::string_view) noexcept;
extern template std::uint64_t siphash<2, 4>(const siphash_key&, std::string_view) noexcept;

/// A key from the system's random source.
siphash_key random_siphash_key();

}  // namespace tollgate

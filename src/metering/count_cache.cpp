#include "tollgate/metering/count_cache.hpp"

#include <bit>
#include <limits>

namespace tollgate::metering {

count_cache::count_cache(std::size_t entries) : key_(random_siphash_key()) {
    if (entries > 0) {
        slots_.resize(std::bit_ceil(entries));
    }
}

std::size_t count_cache::count(const tokens::encoding& enc,
                               tokens::special_tokens mode,
                               std::string_view text) {
    constexpr std::size_t most = std::numeric_limits<std::uint32_t>::max();
    if (slots_.empty() || text.empty() || text.size() > most) {
        return enc.count(text, mode);
    }
    // Another encoding or mode hashes under another key: its counts never meet this one's.
    const siphash_key key{key_.k0 ^ enc.id(), key_.k1 ^ static_cast<std::uint64_t>(mode)};
    const std::uint64_t hash = siphash<1, 3>(key, text);
    slot& s = slots_[hash & (slots_.size() - 1)];
    if (s.hash == hash && s.bytes == text.size()) {
        ++hits_;
        return s.tokens;
    }
    ++misses_;
    const std::size_t n = enc.count(text, mode);
    if (n <= most) {
        s = slot{hash, static_cast<std::uint32_t>(text.size()), static_cast<std::uint32_t>(n)};
    }
    return n;
}

}  // namespace tollgate::metering

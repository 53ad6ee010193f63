#include "tollgate/core/siphash.hpp"

#include <bit>
#include <cstring>
#include <random>

namespace tollgate {
namespace {

struct sip_state {
    std::uint64_t v0, v1, v2, v3;

    void round() noexcept {
        v0 += v1;
        v1 = std::rotl(v1, 13);
        v1 ^= v0;
        v0 = std::rotl(v0, 32);
        v2 += v3;
        v3 = std::rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = std::rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = std::rotl(v1, 17);
        v1 ^= v2;
        v2 = std::rotl(v2, 32);
    }

    template <int C>
    void compress(std::uint64_t m) noexcept {
        v3 ^= m;
        for (int i = 0; i < C; ++i) {
            round();
        }
        v0 ^= m;
    }
};

// Little-endian, as SipHash defines its words (this build only targets little-endian CPUs).
std::uint64_t load_le(const char* p) noexcept {
    static_assert(std::endian::native == std::endian::little);
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
}

}  // namespace

template <int C, int D>
std::uint64_t siphash(const siphash_key& key, std::string_view data) noexcept {
    sip_state s{key.k0 ^ 0x736f6d6570736575ULL,
                key.k1 ^ 0x646f72616e646f6dULL,
                key.k0 ^ 0x6c7967656e657261ULL,
                key.k1 ^ 0x7465646279746573ULL};
    const char* p = data.data();
    const std::size_t words = data.size() / 8;
    for (std::size_t i = 0; i < words; ++i, p += 8) {
        s.compress<C>(load_le(p));
    }
    // The last word: the remaining bytes, and the length's low byte on top.
    std::uint64_t last = static_cast<std::uint64_t>(data.size() & 0xff) << 56;
    const std::size_t rest = data.size() % 8;
    for (std::size_t i = 0; i < rest; ++i) {
        last |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    }
    s.compress<C>(last);
    s.v2 ^= 0xff;
    for (int i = 0; i < D; ++i) {
        s.round();
    }
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

template std::uint64_t siphash<1, 3>(const siphash_key&, std::string_view) noexcept;
template std::uint64_t siphash<2, 4>(const siphash_key&, std::string_view) noexcept;

siphash_key random_siphash_key() {
    std::random_device rd;
    const auto word = [&] {
        return (static_cast<std::uint64_t>(rd()) << 32) | static_cast<std::uint64_t>(rd());
    };
    siphash_key k;
    k.k0 = word();
    k.k1 = word();
    return k;
}

}  // namespace tollgate

#include "tollgate/auth/api_key.hpp"

#include <stdexcept>
#include <zlib.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace tollgate::auth {
namespace {

constexpr std::string_view digits =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// Base62 digit values by byte, -1 for anything else: one load per character on the
// request path.
constexpr auto digit_table = [] {
    std::array<std::int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 62; ++i) {
        t[static_cast<unsigned char>(digits[static_cast<std::size_t>(i)])] =
            static_cast<std::int8_t>(i);
    }
    return t;
}();

int digit_value(char c) noexcept {
    return digit_table[static_cast<unsigned char>(c)];
}

// OpenSSL 3's one-shot SHA256() fetches the algorithm from the provider store on every call
// (two rwlocks and a malloc). Fetch it once and reuse one context per thread.
struct sha256_context {
    sha256_context() : md(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx(EVP_MD_CTX_new()) {}
    ~sha256_context() {
        EVP_MD_CTX_free(ctx);
        EVP_MD_free(md);
    }
    sha256_context(const sha256_context&) = delete;
    sha256_context& operator=(const sha256_context&) = delete;
    EVP_MD* md;
    EVP_MD_CTX* ctx;
};

// Writes the big-endian number in `bytes` as exactly `width` base62 digits (most significant
// first) by repeated division of the byte array.
template <std::size_t N>
void append_base62(std::string& out, std::array<std::uint8_t, N> bytes, std::size_t width) {
    std::string reversed;
    reversed.reserve(width);
    for (std::size_t i = 0; i < width; ++i) {
        unsigned remainder = 0;
        for (auto& b : bytes) {
            const unsigned value = remainder * 256 + b;
            b = static_cast<std::uint8_t>(value / 62);
            remainder = value % 62;
        }
        reversed += digits[remainder];
    }
    out.append(reversed.rbegin(), reversed.rend());
}

template <std::size_t N>
std::array<std::uint8_t, N> random_bytes() {
    std::array<std::uint8_t, N> out{};
    if (RAND_bytes(out.data(), static_cast<int>(N)) != 1) {
        throw std::runtime_error("the CSPRNG (OpenSSL RAND_bytes) failed");
    }
    return out;
}

std::array<std::uint8_t, 4> be32(std::uint32_t v) {
    return {static_cast<std::uint8_t>(v >> 24),
            static_cast<std::uint8_t>(v >> 16),
            static_cast<std::uint8_t>(v >> 8),
            static_cast<std::uint8_t>(v)};
}

}  // namespace

std::uint32_t crc32(std::string_view data) noexcept {
    // zlib's: the same CRC-32 (IEEE 802.3), several bytes a step.
    return static_cast<std::uint32_t>(
        ::crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

std::string random_id(std::string_view prefix) {
    std::string id(prefix);
    append_base62(id, random_bytes<16>(), 22);
    return id;
}

minted_key mint_key() {
    minted_key k;
    k.secret.reserve(key_length);
    k.secret = key_scheme;
    append_base62(k.secret, random_bytes<32>(), key_body_digits);
    append_base62(k.secret, be32(crc32(k.secret)), key_checksum_digits);
    k.id = random_id("key_");
    k.prefix = std::string(display_prefix(k.secret));
    k.digest = digest_of(k.secret);
    return k;
}

bool is_well_formed_key(std::string_view text) noexcept {
    if (text.size() != key_length || !text.starts_with(key_scheme)) {
        return false;
    }
    for (char c : text.substr(key_scheme.size())) {
        if (digit_value(c) < 0) {
            return false;
        }
    }
    // The checksum digits must be the canonical base62 form of the body's CRC-32.
    std::uint64_t stored = 0;
    for (char c : text.substr(key_scheme.size() + key_body_digits)) {
        stored = stored * 62 + static_cast<std::uint64_t>(digit_value(c));
    }
    return stored == crc32(text.substr(0, key_scheme.size() + key_body_digits));
}

key_digest digest_of(std::string_view text) noexcept {
    key_digest d{};
    thread_local sha256_context sha;
    unsigned int n = 0;
    if (!sha.md || !sha.ctx || EVP_DigestInit_ex2(sha.ctx, sha.md, nullptr) != 1 ||
        EVP_DigestUpdate(sha.ctx, text.data(), text.size()) != 1 ||
        EVP_DigestFinal_ex(sha.ctx, d.data(), &n) != 1) {
        // Cannot happen with a working libcrypto; the slow path still gives the right digest.
        SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d.data());
    }
    return d;
}

std::string to_hex(const key_digest& d) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(d.size() * 2);
    for (auto b : d) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

std::string_view display_prefix(std::string_view text) noexcept {
    return text.substr(0, key_prefix_length);
}

}  // namespace tollgate::auth

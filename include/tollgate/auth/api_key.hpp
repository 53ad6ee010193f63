// API keys: minting (256 bits from OpenSSL's CSPRNG), the text form
// "tg_" + 43 base62 digits + 6 base62 digits of CRC32, a format check that refuses a mistyped
// or forged key without a store lookup, the SHA-256 that is stored instead of the key, and
// the key id and display prefix used in lists and logs. Pure apart from the random source;
// thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace tollgate::auth {

inline constexpr std::string_view key_scheme = "tg_";
inline constexpr std::size_t key_body_digits = 43;     // 256 bits in base62
inline constexpr std::size_t key_checksum_digits = 6;  // 32 bits in base62
inline constexpr std::size_t key_length = 3 + key_body_digits + key_checksum_digits;  // 52
inline constexpr std::size_t key_prefix_length = 11;  // "tg_" + 8 digits: shown, never enough

using key_digest = std::array<std::uint8_t, 32>;  // SHA-256 of the key text

struct minted_key {
    std::string secret;  // the key itself: shown once, never stored
    std::string id;      // "key_" + 22 base62 digits (128 random bits): names the key
    std::string prefix;  // the first key_prefix_length characters: for lists and logs
    key_digest digest;   // what the store keeps
};

/// A new key. Throws std::runtime_error only if the CSPRNG fails (no entropy).
minted_key mint_key();

/// `prefix` + 22 base62 digits of 128 random bits: key ids, generated consumer ids.
std::string random_id(std::string_view prefix);

/// True for text of the key form whose checksum matches: cheap, no store needed.
bool is_well_formed_key(std::string_view text) noexcept;

/// SHA-256 of the key text.
key_digest digest_of(std::string_view text) noexcept;

/// Lower-case hex of a digest (for storage keys and logs of ids, never of secrets).
std::string to_hex(const key_digest& d);

/// The display prefix of a key text (or of whatever the client sent, for logs).
std::string_view display_prefix(std::string_view text) noexcept;

/// CRC-32 (IEEE 802.3, as zlib computes it).
std::uint32_t crc32(std::string_view data) noexcept;

}  // namespace tollgate::auth

// Pieces of JSON string handling shared by the scanner and its users: UTF-8 sequence checks,
// \uXXXX escapes, and decoding a raw string body. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::tokens {

/// Length of the valid UTF-8 sequence starting at text[pos] (a byte >= 0x80): 2 to 4, or 0
/// when it is malformed, overlong, a surrogate or past U+10FFFF.
std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) noexcept;

/// When the sequence at text[pos] (a byte >= 0x80) is malformed, the length of its maximal
/// ill-formed subpart (1 to 3: what one U+FFFD replaces); 0 when it is well-formed.
std::size_t utf8_ill_formed_length(std::string_view text, std::size_t pos) noexcept;

/// The code unit of "\uXXXX" at text[pos] (pos at the backslash), or -1.
long read_u_escape(std::string_view text, std::size_t pos) noexcept;

/// Decodes a raw JSON string body (as json_member gives it) to UTF-8; nullopt if malformed.
std::optional<std::string> json_unescape(std::string_view raw);

}  // namespace tollgate::tokens

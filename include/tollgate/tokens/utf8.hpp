// Valid UTF-8 for the tokenizer. Text that is not valid UTF-8 is tokenized as if each
// maximal ill-formed subpart had been replaced by U+FFFD (EF BF BD), which is what the WHATWG
// decoder (TextDecoder), Rust's from_utf8_lossy and Python's errors="replace" produce, so a
// reference fed the same bytes through any of them agrees with us. Pure.
#pragma once

#include <string>
#include <string_view>

namespace tollgate::tokens {

/// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past
/// U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

/// `text` with every maximal ill-formed subpart replaced by U+FFFD.
std::string repair_utf8(std::string_view text);

}  // namespace tollgate::tokens

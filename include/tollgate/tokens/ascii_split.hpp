// ascii_split: tiktoken's split patterns (cl100k_base, o200k_base) matched by hand where the
// text is ASCII. The JIT-compiled regex costs ~400 instructions a call, and a prompt is mostly
// short words; this costs a few per byte. Exact: wherever the match depends on a byte >= 0x80
// (which may be a letter, digit, mark or space outside ASCII), it answers "ask the regex".
// The differential test runs both on random text. Pure.
#pragma once

#include <cstddef>
#include <string_view>

namespace tollgate::tokens {

enum class split_grammar { cl100k, o200k };

/// The end of the pattern's match starting at `at` (< text.size()), or 0 when it depends on
/// a byte outside ASCII. On ASCII every position starts a match, so the match begins at `at`.
std::size_t ascii_match_end(std::string_view text, std::size_t at, split_grammar grammar) noexcept;

}  // namespace tollgate::tokens

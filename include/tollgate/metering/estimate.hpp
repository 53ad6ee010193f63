// The byte-based estimate (for models mapped to `tokenizer: estimate`, text beyond
// tokenizer.max_bytes before any was tokenized, and a produced text not kept), and the
// strict upper bound. Pure. Everything else is counted exactly (token_count.hpp).
//
// estimate: about 4 bytes of English text per token under OpenAI's cl100k/o200k vocabularies
// and Anthropic's; measured on the raw JSON of the prompt members, which also covers the
// few framing tokens per message. It can be under (dense non-English text, code), which is
// why admission: estimate allows a bounded overshoot and settlement uses the reported usage.
//
// strict bound: every token of the prompt is at least one byte of its text, and the raw JSON
// of a member is never shorter than its decoded text, so raw bytes + a margin for the chat
// template's framing tokens is an upper bound whatever tokenizer the upstream uses.
#pragma once

#include <cstdint>

namespace tollgate::metering {

inline constexpr std::int64_t bytes_per_token = 4;
inline constexpr std::int64_t strict_framing_tokens = 16;

constexpr std::int64_t estimate_tokens(std::uint64_t text_bytes) noexcept {
    return static_cast<std::int64_t>((text_bytes + bytes_per_token - 1) / bytes_per_token);
}

constexpr std::int64_t strict_prompt_bound(std::uint64_t raw_prompt_bytes) noexcept {
    return static_cast<std::int64_t>(raw_prompt_bytes) + strict_framing_tokens;
}

}  // namespace tollgate::metering

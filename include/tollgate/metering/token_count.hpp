// Exact token counts of a request's prompt and of produced text, with the tokenizer of the
// request's model. Pure.
//
// Chat framing follows OpenAI's documented count (the "How to count tokens with tiktoken"
// cookbook): 3 tokens per message, the tokens of each of its string fields (role, content,
// name...), 1 more for a name, and 3 priming the reply. Where OpenAI documents nothing the
// count is an approximation, listed in docs/TOKENIZER.md: content parts count their text
// (an image part 85 tokens, the low-detail price), tool definitions and tool calls count
// their JSON text, and Anthropic's system prompt counts as one more message.
//
// Text beyond `max_bytes` per request is not tokenized: it is counted at the tokens-per-byte
// ratio of what was (4 bytes per token before anything was), so that a huge body never holds
// an io thread for long.
#pragma once

#include "tollgate/tokens/encoding.hpp"
#include "tollgate/tokens/json_scan.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tollgate::metering {

/// The prompt-bearing top-level members of a request body (raw views into it).
struct prompt_members {
    std::optional<tokens::json_member> messages;      // chat, Anthropic messages
    std::optional<tokens::json_member> prompt;        // completions
    std::optional<tokens::json_member> input;         // embeddings, responses
    std::optional<tokens::json_member> system;        // Anthropic
    std::optional<tokens::json_member> instructions;  // responses
    std::optional<tokens::json_member> tools;
    std::optional<tokens::json_member> functions;  // OpenAI's older name for tools
};

class count_cache;

/// Counts text with one encoding, exactly up to a byte budget, by ratio beyond it. With a
/// cache, a text tokenized whole is looked up there first (prompts repeat; produced text
/// does not, so it is counted without one).
class text_counter {
public:
    text_counter(const tokens::encoding& enc,
                 tokens::special_tokens mode,
                 std::size_t max_bytes,
                 count_cache* cache = nullptr)
        : enc_(enc), mode_(mode), budget_(max_bytes), cache_(cache) {}

    /// Adds decoded text.
    void add_text(std::string_view text);
    /// Adds a JSON string's raw body (escapes not yet decoded).
    void add_json_string(std::string_view raw);
    /// Adds tokens counted by other means (framing, token-id arrays, images).
    void add_tokens(std::int64_t n) noexcept { tokens_ += n; }

    std::int64_t tokens() const noexcept;
    /// True when some text was counted by ratio rather than tokenized.
    bool partial() const noexcept { return estimated_bytes_ > 0; }

private:
    const tokens::encoding& enc_;
    tokens::special_tokens mode_;
    std::size_t budget_;
    count_cache* cache_;
    std::int64_t tokens_ = 0;
    std::size_t exact_bytes_ = 0;
    std::int64_t exact_tokens_ = 0;
    std::size_t estimated_bytes_ = 0;
};

/// Counts the prompt of a request body's members into `counter`.
void count_prompt(const prompt_members& members, text_counter& counter);

}  // namespace tollgate::metering

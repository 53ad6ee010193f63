// usage_tap: reads the token usage an upstream reports, from the response body as it is
// relayed (a body_tap: views, no copy of the stream). OpenAI JSON `usage` (chat, completions,
// embeddings, responses), the usage chunk of an OpenAI stream, the `response.completed`
// event of a Responses stream, Anthropic `message_start` + `message_delta` usage. It also
// keeps the text produced, per choice (up to a byte cap, then only its size), so that a
// response without usage (a stream cut short) can still be charged by counting it. Pure;
// one per request.
#pragma once

#include "tollgate/proxy/tap.hpp"
#include "tollgate/tokens/json_scan.hpp"
#include "tollgate/tokens/sse_parser.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::metering {

/// Reported numbers above this are absurd for one request: invalid, counted locally instead.
inline constexpr std::int64_t max_reported_tokens = 50'000'000;

struct usage {
    std::optional<std::int64_t> prompt_tokens;      // as reported (Anthropic: incl. cache)
    std::optional<std::int64_t> completion_tokens;  // as reported
    std::int64_t cached_tokens = 0;                 // prompt tokens served from a cache
    std::int64_t reasoning_tokens = 0;              // part of completion_tokens
    // A reported number was no count (negative, fractional, absurd, not a number): that field
    // is left unset, so the settlement counts it locally, and the access log flags it.
    bool invalid = false;

    bool complete() const noexcept { return prompt_tokens && completion_tokens; }
};

class usage_tap final : public proxy::body_tap {
public:
    /// JSON bodies longer than this are not parsed for usage (the estimate applies).
    /// An SSE event larger than max_json_bytes is not held either (its bytes are counted as
    /// produced text, estimated).
    explicit usage_tap(std::size_t max_json_bytes = 8 * 1024 * 1024)
        : max_json_bytes_(max_json_bytes), sse_(max_json_bytes) {}

    /// The bound on a JSON body or SSE event read for usage, for the answers to come.
    void limit(std::size_t max_json_bytes) noexcept {
        max_json_bytes_ = max_json_bytes;
        sse_.limit(max_json_bytes);
    }

    /// Back to a new tap's state (same max_json_bytes), keeping its buffers' capacity.
    void reset();

    void on_head(unsigned status, std::string_view content_type) override;
    void on_body(std::string_view bytes) override;
    void on_end(bool complete) override;

    const usage& reported() const noexcept { return usage_; }
    /// UTF-8 bytes of generated text seen (content deltas, completion text, message text).
    std::uint64_t produced_text_bytes() const noexcept { return produced_bytes_; }
    /// Keeps up to `max_bytes` of the produced text (0, the default: sizes only).
    void keep_text(std::size_t max_bytes) { max_text_bytes_ = max_bytes; }
    /// The produced text kept, one string per choice (or content block), in order.
    const std::vector<std::string>& produced_text() const noexcept { return produced_; }
    /// Bytes produced but not kept (beyond the cap).
    std::uint64_t produced_bytes_not_kept() const noexcept { return produced_bytes_ - kept_bytes_; }
    bool ended_complete() const noexcept { return complete_; }

private:
    void take_event(std::string_view data);
    void add_produced(std::size_t index, const std::optional<tokens::json_member>& text);
    // Each choice's text: choices[].<text_holder>.content and choices[].text.
    void take_choices(const std::optional<tokens::json_member>& choices,
                      std::string_view text_holder);
    void take_json(std::string_view body);

    std::size_t max_json_bytes_;
    bool stream_ = false;
    bool success_ = false;
    bool complete_ = false;
    bool json_too_big_ = false;
    std::string json_;  // a JSON body, gathered until the end
    tokens::sse_parser sse_;
    std::vector<tokens::sse_event> events_;
    usage usage_;
    std::uint64_t produced_bytes_ = 0;
    std::size_t max_text_bytes_ = 0;
    std::uint64_t kept_bytes_ = 0;
    std::vector<std::string> produced_;
    std::string unescaped_;  // scratch for text with escapes
};

}  // namespace tollgate::metering

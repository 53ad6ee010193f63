// What metering adds to a request and its answer, apart from I/O: the completion limit set
// in the body when the gateway clamps it, and the x-ratelimit-* headers OpenAI's clients
// know. Pure.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/quota/limits.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::metering {

/// One change to a request body: replace `length` bytes at offset `at` by `text`.
struct body_edit {
    std::size_t at = 0;
    std::size_t length = 0;
    std::string text;
};

/// Applies edits whose offsets refer to the unchanged body (none overlapping), last first, so
/// that each offset is still right when its turn comes.
void apply_edits(std::string& body, std::vector<body_edit> edits);

/// Sets the completion limit of a JSON request body to `value`: replaces `raw_value` (the
/// present field's value, a view into `body`) or, when empty, inserts `"field":value` as the
/// object's first member.
body_edit completion_limit_edit(std::string_view body,
                                std::string_view raw_value,
                                std::string_view field,
                                std::int64_t value);
void set_completion_limit(std::string& body,
                          std::string_view raw_value,
                          std::string_view field,
                          std::int64_t value);

/// Removes `member` ("key": value, a view into `body`) from its object, with the comma that
/// separates it from a neighbour.
body_edit remove_member_edit(std::string_view body, std::string_view member);

/// Makes an OpenAI streaming request ask for its usage (`stream_options.include_usage: true`):
/// adds stream_options when absent (`stream_options_raw` empty), include_usage inside it, or
/// sets the present include_usage (`include_usage_raw`) to true. Views into `body`.
body_edit include_usage_edit(std::string_view body,
                             std::string_view stream_options_raw,
                             std::string_view include_usage_raw);

/// "1h2m3s", "6m0s", "59s", "0s": the duration format of OpenAI's x-ratelimit-reset-*.
std::string format_reset(std::int64_t seconds);

/// A header the gateway adds to a response: a constant name and a short value (a count or a
/// duration), held inline so that making one allocates nothing.
class header {
public:
    static constexpr std::size_t capacity = 24;  // an int64 and its sign; "743h59m59s"

    header(std::string_view header_name, std::string_view text) noexcept;  // cut at capacity
    header(std::string_view header_name, std::int64_t number) noexcept;

    std::string_view value() const noexcept { return {text_.data(), size_}; }

    std::string_view name;  // a literal: header names are constants

private:
    std::array<char, capacity> text_{};
    std::uint8_t size_ = 0;
};

/// x-ratelimit-{limit,remaining,reset}-tokens for the tightest token limit (least remaining)
/// and the -requests trio when a requests limit applies; `buckets[i]` and `resets_at[i]`
/// belong to `limits[i]`. Appended to `out` (a caller's reused vector: no allocation).
void ratelimit_headers(std::span<const config::limit> limits,
                       std::span<const quota::bucket> buckets,
                       std::span<const std::int64_t> resets_at,
                       std::int64_t now,
                       std::vector<header>& out);

}  // namespace tollgate::metering

// What metering adds to a request and its answer, apart from I/O: the completion limit set
// in the body when the gateway clamps it, and the x-ratelimit-* headers OpenAI's clients
// know. Pure.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/quota/limits.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::metering {

/// Sets the completion limit of a JSON request body to `value`: replaces `raw_value` (the
/// present field's value, a view into `body`) or, when empty, inserts `"field":value` as the
/// object's first member.
void set_completion_limit(std::string& body,
                          std::string_view raw_value,
                          std::string_view field,
                          std::int64_t value);

/// "1h2m3s", "6m0s", "59s", "0s": the duration format of OpenAI's x-ratelimit-reset-*.
std::string format_reset(std::int64_t seconds);

struct header {
    std::string name;
    std::string value;
};

/// x-ratelimit-{limit,remaining,reset}-tokens for the tightest token limit (least remaining)
/// and the -requests trio when a requests limit applies; `buckets[i]` and `resets_at[i]`
/// belong to `limits[i]`.
std::vector<header> ratelimit_headers(std::span<const config::limit> limits,
                                      std::span<const quota::bucket> buckets,
                                      std::span<const std::int64_t> resets_at,
                                      std::int64_t now);

}  // namespace tollgate::metering

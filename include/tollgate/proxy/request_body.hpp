// scan_request_body: validates a request's JSON in one pass (iterative, bounded depth) and
// picks out the top-level fields the data plane routes on. Pure.
#pragma once

#include "tollgate/core/result.hpp"
#include "tollgate/metering/token_count.hpp"
#include "tollgate/proxy/route.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::proxy {

struct request_fields {
    std::string model;
    std::string_view model_raw;  // its value's text between the quotes, a view into the body
    bool stream = false;
    // For metering (same single pass; no extra scan):
    bool include_usage = false;           // stream_options.include_usage
    std::string_view stream_options_raw;  // stream_options' value, a view into the body
    std::string_view include_usage_raw;   // include_usage's value in it, a view
    std::int64_t n = 1;                   // choices requested
    std::string_view n_raw;               // its value's text, a view ("" when absent)
    // The completion limit that counts: max_completion_tokens over max_tokens (OpenAI's
    // chat API deprecates max_tokens for it), max_output_tokens (Responses). nullopt: none
    // named, or null.
    std::optional<std::int64_t> max_tokens;
    std::string_view max_tokens_field;  // its name ("" when absent; set for a null too)
    std::string_view max_tokens_raw;    // its value's text, a view into the body
    // A competing limit the one above supersedes: the whole member ("key": value), a view
    // into the body, removed before forwarding so the upstream reads the same limit.
    std::string_view superseded_limit;
    std::size_t prompt_bytes = 0;     // raw JSON bytes of messages, prompt, input, system,
                                      // instructions, tools, functions: the prompt's size
    metering::prompt_members prompt;  // those members, for the exact count
};

/// invalid_json (not JSON or not an object), json_too_deep, missing_model, duplicate_member
/// (a member read here twice: the upstream might read the other one), or invalid_* for a
/// metered member of the wrong type or range, on failure.
/// `kind` says which completion limits the target API reads (chat: max_completion_tokens,
/// else max_tokens; Responses: max_output_tokens; the others: max_tokens).
result<request_fields> scan_request_body(std::string_view body,
                                         std::size_t max_depth,
                                         api kind = api::chat_completions);

}  // namespace tollgate::proxy

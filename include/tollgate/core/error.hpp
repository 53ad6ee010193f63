// tollgate::error: the one vocabulary of failures the gateway itself reports, registered as a
// boost::system error-code enum (the Beast http/error.hpp pattern). Thread-safe: pure data.
#pragma once

#include <type_traits>

#include <boost/system/error_code.hpp>

namespace tollgate {

enum class error {
    /// The request body is not valid JSON (or not a JSON object).
    invalid_json = 1,
    /// The JSON body has no string `model`.
    missing_model,
    /// The JSON body nests deeper than server.limits.max_json_depth.
    json_too_deep,
    /// Framing that could smuggle a request: CL+TE, bad TE, duplicate CL, long chunk line...
    bad_framing,
    /// The request line or headers are malformed.
    bad_request,
    /// No route serves this method and path.
    no_route,
    /// No upstream's `models` globs match the requested model.
    model_not_found,
    /// The body exceeds server.limits.max_body_bytes.
    body_too_large,
    /// The header block exceeds max_header_bytes or max_header_count.
    headers_too_large,
    /// The client did not send the request within header_timeout/body_timeout.
    client_timeout,
    /// The upstream could not be reached, refused, reset or sent garbage.
    upstream_unavailable,
    /// The upstream did not answer within its timeout.
    upstream_timeout,
    /// Every endpoint of the upstream is at its connection or in-flight cap, and no slot
    /// freed within queue_timeout.
    upstream_overloaded,
    /// The upstream answered with a failure that was kept back for a fallback, and no
    /// fallback could take the request.
    upstream_failed,
    /// The gateway is draining for shutdown and takes no new request.
    shutting_down,
    /// No key, or one that is malformed, unknown, revoked or expired.
    invalid_api_key,
    /// Two credentials that differ (two Authorization fields, or Authorization and x-api-key).
    conflicting_credentials,
    /// Host missing (HTTP/1.1) or given twice.
    bad_host,
    /// A header name with an underscore, refused by server.headers_with_underscores: reject.
    underscore_in_header,
    /// The key's (or consumer's) model allowlist does not cover the requested model.
    model_not_allowed,
    /// The key's consumer is disabled.
    consumer_disabled,
    /// The store (memory journal or Redis) cannot be reached or did not answer in time.
    store_unavailable,
    /// Too many store commands in flight: refused without waiting.
    store_overloaded,
    /// A store command was sent but not answered in time: it may or may not have run.
    store_timeout,
    /// A record the request names does not exist.
    not_found,
    /// A record with this id already exists.
    already_exists,
    /// The request does not fit the consumer's remaining quota.
    rate_limit_exceeded,
    /// quota.on_missing_max_tokens: reject, and the request names no completion limit.
    max_tokens_required,
    /// A member the gateway reads for routing or metering appears twice in the body.
    duplicate_member,
    /// max_tokens / max_completion_tokens / max_output_tokens is not an integer 0..1e9.
    invalid_completion_limit,
    /// n is not a positive integer.
    invalid_n,
    /// stream is not true or false.
    invalid_stream,
    /// messages is not an array.
    invalid_messages,
    /// The upstream's answer was still running at upstreams[].max_stream_duration.
    stream_too_long,
    /// The upstream's event stream brought no data event within upstreams[].max_event_gap
    /// (comments and blank lines do not count).
    stream_stalled,
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace tollgate

template <>
struct boost::system::is_error_code_enum<tollgate::error> : std::true_type {};

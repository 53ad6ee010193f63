#include "tollgate/core/error.hpp"

#include <string>

namespace tollgate {
namespace {

// boost::system::error_category has a protected non-virtual destructor by design.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "tollgate"; }

    std::string message(int ev) const override {
        switch (static_cast<error>(ev)) {
            case error::invalid_json:
                return "request body is not a valid JSON object";
            case error::missing_model:
                return "request body lacks a string 'model'";
            case error::json_too_deep:
                return "request body nests too deeply";
            case error::bad_framing:
                return "ambiguous or malformed message framing";
            case error::bad_request:
                return "malformed request";
            case error::no_route:
                return "no route for this method and path";
            case error::model_not_found:
                return "no upstream serves this model";
            case error::body_too_large:
                return "request body too large";
            case error::headers_too_large:
                return "request headers too large";
            case error::client_timeout:
                return "client too slow";
            case error::upstream_unavailable:
                return "upstream unreachable or reset";
            case error::upstream_timeout:
                return "upstream timed out";
            case error::stream_too_long:
                return "the upstream's answer ran past max_stream_duration";
            case error::stream_stalled:
                return "the upstream's stream sent no event within max_event_gap";
            case error::upstream_overloaded:
                return "upstream at capacity; retry later";
            case error::upstream_failed:
                return "upstream failed and no fallback could serve the request";
            case error::shutting_down:
                return "gateway is shutting down";
            case error::invalid_api_key:
                return "missing, malformed, unknown, revoked or expired API key";
            case error::conflicting_credentials:
                return "the request carries two different credentials (Authorization and "
                       "x-api-key, or Authorization twice); send one";
            case error::bad_host:
                return "an HTTP/1.1 request needs exactly one Host header";
            case error::underscore_in_header:
                return "header names with underscores are refused here (they could alias "
                       "another header at the upstream)";
            case error::model_not_allowed:
                return "this key may not use this model";
            case error::consumer_disabled:
                return "the consumer of this key is disabled";
            case error::store_unavailable:
                return "the store is unreachable";
            case error::store_overloaded:
                return "too many store commands in flight";
            case error::store_timeout:
                return "the store did not answer in time";
            case error::not_found:
                return "not found";
            case error::already_exists:
                return "already exists";
            case error::rate_limit_exceeded:
                return "the request does not fit the remaining token quota; retry after the "
                       "window resets";
            case error::max_tokens_required:
                return "this gateway requires a completion limit (max_tokens, "
                       "max_completion_tokens or max_output_tokens)";
            case error::duplicate_member:
                return "the body names a member the gateway reads twice (model, stream, "
                       "stream_options, n, messages, prompt, input, system, instructions, tools, "
                       "functions or a completion limit): send it once";
            case error::invalid_completion_limit:
                return "max_tokens, max_completion_tokens and max_output_tokens must be "
                       "integers from 0 to 1000000000 (or null)";
            case error::invalid_n:
                return "n must be an integer of at least 1";
            case error::invalid_stream:
                return "stream must be true or false";
            case error::invalid_messages:
                return "messages must be an array";
        }
        return "unknown tollgate error";
    }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& error_category() noexcept {
    static const category instance;
    return instance;
}

}  // namespace tollgate

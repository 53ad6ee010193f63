#include "tollgate/proxy/responses.hpp"

#include "tollgate/core/error.hpp"

namespace tollgate::proxy {

error_reply describe(const boost::system::error_code& ec) {
    constexpr std::string_view invalid = "invalid_request_error";
    error_reply r;
    r.message = ec.message();
    if (ec.category() != error_category()) {
        r.status = 500;
        r.type = "api_error";
        r.code = "internal_error";
        return r;
    }
    switch (static_cast<error>(ec.value())) {
        case error::invalid_json:
        case error::missing_model:
        case error::json_too_deep:
        case error::bad_framing:
        case error::bad_request:
            r = {400, invalid, "invalid_request", r.message};
            break;
        case error::no_route:
        case error::model_not_found:
            r = {404, invalid, "model_not_found", r.message};
            break;
        case error::body_too_large:
            r = {413, invalid, "request_too_large", r.message};
            break;
        case error::headers_too_large:
            r = {431, invalid, "headers_too_large", r.message};
            break;
        case error::client_timeout:
            r = {408, invalid, "request_timeout", r.message};
            break;
        case error::upstream_unavailable:
            r = {502, "api_error", "upstream_error", r.message};
            break;
        case error::upstream_timeout:
        case error::stream_too_long:
        case error::stream_stalled:
            r = {504, "api_error", "upstream_timeout", r.message};
            break;
        case error::upstream_overloaded:
            r = {503, "api_error", "upstream_overloaded", r.message};
            break;
        case error::upstream_failed:
            r = {502, "api_error", "upstream_error", r.message};
            break;
        case error::shutting_down:
            r = {503, "api_error", "shutting_down", r.message};
            break;
        case error::invalid_api_key:
        case error::conflicting_credentials:
            r = {401, invalid, "invalid_api_key", r.message};
            break;
        case error::bad_host:
        case error::underscore_in_header:
            r = {400, invalid, "invalid_request", r.message};
            break;
        case error::model_not_allowed:
            r = {403, "permission_error", "model_not_allowed", r.message};
            break;
        case error::consumer_disabled:
            r = {403, "permission_error", "consumer_disabled", r.message};
            break;
        case error::store_unavailable:
        case error::store_overloaded:
        case error::store_timeout:
            r = {503, "api_error", "store_unavailable", r.message};
            break;
        case error::not_found:
            r = {404, invalid, "not_found", r.message};
            break;
        case error::already_exists:
            r = {409, invalid, "already_exists", r.message};
            break;
        case error::rate_limit_exceeded:
            r = {429, "tokens", "rate_limit_exceeded", r.message};
            break;
        case error::max_tokens_required:
        case error::duplicate_member:
        case error::invalid_completion_limit:
        case error::invalid_n:
        case error::invalid_stream:
        case error::invalid_messages:
            r = {400, invalid, "invalid_request", r.message};
            break;
    }
    return r;
}

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += c;
        }
    }
    out += '"';
}

std::string error_body(const error_reply& reply) {
    std::string out = R"({"error":{"message":)";
    append_json_string(out, reply.message);
    out += R"(,"type":)";
    append_json_string(out, reply.type);
    out += R"(,"code":)";
    append_json_string(out, reply.code);
    out += "}}";
    return out;
}

}  // namespace tollgate::proxy

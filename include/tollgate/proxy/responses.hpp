// The one translation point from an error code to what the client sees: HTTP status and an
// OpenAI-shaped JSON body {"error":{"message","type","code"}}. Pure.
#pragma once

#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

namespace tollgate::proxy {

struct error_reply {
    unsigned status = 500;
    std::string_view type;  // OpenAI error type, e.g. "invalid_request_error"
    std::string_view code;  // SPEC's code, e.g. "model_not_found"
    std::string message;
};

/// Any error_code (ours or Asio's) -> status, type, code, message.
error_reply describe(const boost::system::error_code& ec);

/// {"error":{"message":...,"type":...,"code":...}} with the message JSON-escaped.
std::string error_body(const error_reply& reply);

/// Appends `text` to `out` as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view text);

}  // namespace tollgate::proxy

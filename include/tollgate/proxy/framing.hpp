// Request framing checks that refuse what could smuggle a request past us or through us
// (RFC 9112 §6): Content-Length with Transfer-Encoding, a Transfer-Encoding that does not end
// in chunked or is not exactly chunked, Transfer-Encoding on HTTP/1.0, duplicate or malformed
// Content-Length. Pure: takes the header fields as views.
#pragma once

#include "tollgate/core/result.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace tollgate::proxy {

struct header_view {
    std::string_view name;
    std::string_view value;
};

/// How the request body is delimited, once the headers have passed the checks.
struct body_framing {
    bool chunked = false;
    std::uint64_t content_length = 0;  // when !chunked; 0 when absent
};

/// `version` is 10 or 11. error::bad_framing on any ambiguity.
result<body_framing> check_framing(unsigned version, std::span<const header_view> fields);

/// bad_host unless an HTTP/1.1 request has exactly one Host (HTTP/1.0: at most one).
boost::system::error_code check_host(unsigned version, std::span<const header_view> fields);

/// `s` without leading and trailing spaces and tabs (optional white space, RFC 9110 5.6.3).
/// Inline: called for every header value, which rarely has any.
inline std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

/// iequals() for strings of the same length.
bool iequals_same_size(std::string_view a, std::string_view b) noexcept;

/// Case-insensitive ASCII comparison, for header names and tokens. The length test is inline:
/// most comparisons of header names end there.
inline bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && iequals_same_size(a, b);
}

}  // namespace tollgate::proxy

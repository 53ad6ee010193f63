// read_request(): reads one client request within the configured limits: header bytes and
// count, framing checks against smuggling, body size, header and body timeouts, and answers
// "Expect: 100-continue". The body is read whole (requests are bounded; responses stream).
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/core/stream.hpp"
#include "tollgate/core/watchdog.hpp"
#include "tollgate/proxy/framing.hpp"
#include "tollgate/proxy/request_head.hpp"

#include <memory_resource>
#include <optional>
#include <string>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>

namespace tollgate::proxy {

struct incoming_request {
    std::optional<request_head> parser;
    std::vector<header_view> fields;  // views into the arena, filled by the parser
    std::string body;

    const request_head& head() const { return *parser; }
};

/// Fills `in`, with `timer` armed for header_timeout, then body_timeout (the worker's tick
/// cancels the read when it passes, and the caller can still answer 408). Returns: {} on success;
/// net::error::eof (or another Asio code) when the client left between requests; a tollgate::error
/// (client_timeout, headers_too_large, bad_request, bad_framing, body_too_large) to be answered
/// before closing.
task<boost::system::error_code> read_request(stream& s,
                                             beast::flat_buffer& buf,
                                             const config::server_limits& limits,
                                             watchdog& timer,
                                             std::pmr::memory_resource& arena,
                                             incoming_request& in);

}  // namespace tollgate::proxy

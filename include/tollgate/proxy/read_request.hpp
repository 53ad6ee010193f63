// read_request(): reads one client request within the configured limits: header bytes and
// count, framing checks against smuggling, body size, header and body timeouts, and answers
// "Expect: 100-continue". The body is read whole (requests are bounded; responses stream).
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/core/stream.hpp"
#include "tollgate/core/watchdog.hpp"
#include "tollgate/proxy/framing.hpp"

#include <memory_resource>
#include <optional>
#include <string>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

namespace tollgate::proxy {

/// Header fields live in a per-connection arena that is reset between requests, so parsing a
/// request allocates nothing in the common case.
using arena_allocator = std::pmr::polymorphic_allocator<char>;
using request_head =
    beast::http::request<beast::http::empty_body, beast::http::basic_fields<arena_allocator>>;
using request_parser = beast::http::request_parser<beast::http::empty_body, arena_allocator>;

struct incoming_request {
    std::optional<request_parser> parser;
    std::vector<header_view> fields;  // views into *parser
    std::string body;

    const request_head& head() const { return parser->get(); }
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

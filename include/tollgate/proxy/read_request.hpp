// read_request_head() and read_request_body(): read one client request within the configured
// limits: header bytes and count, framing checks against smuggling, body size, header and
// body timeouts. The body is read whole (requests are bounded; responses stream). Between the
// two the caller checks the key, so that "Expect: 100-continue" is answered 100 only for a
// caller who may send the body (RFC 9110 section 10.1.1), and a refused one is answered
// before its body is uploaded.
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
    body_framing framing;           // once the head passed the checks
    bool expects_continue = false;  // HTTP/1.1 with "Expect: 100-continue"

    const request_head& head() const { return *parser; }
};

/// Fills `in`'s head and framing, with `timer` armed for header_timeout (the worker's tick
/// cancels the read when it passes, and the caller can still answer 408). Returns: {} on
/// success; net::error::eof (or another Asio code) when the client left between requests; a
/// tollgate::error (client_timeout, headers_too_large, bad_request, bad_framing, bad_host,
/// body_too_large) to be answered before closing.
task<boost::system::error_code> read_request_head(stream& s,
                                                  beast::flat_buffer& buf,
                                                  const config::server_limits& limits,
                                                  watchdog& timer,
                                                  std::pmr::memory_resource& arena,
                                                  incoming_request& in);

/// The body already buffered with the head, taken without a coroutine (the usual case);
/// false when read_request_body() must read it.
bool take_buffered_body(beast::flat_buffer& buf, incoming_request& in);

/// Reads `in`'s body (after "100 Continue" when the client expects one), `timer` armed for
/// body_timeout. The same returns as read_request_head().
task<boost::system::error_code> read_request_body(stream& s,
                                                  beast::flat_buffer& buf,
                                                  const config::server_limits& limits,
                                                  watchdog& timer,
                                                  incoming_request& in);

}  // namespace tollgate::proxy

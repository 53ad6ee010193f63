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
#include <boost/beast/http/basic_parser.hpp>

namespace tollgate::proxy {

/// Beast's request parser, keeping no message object: the start line and each field are
/// copied into the connection's arena (reset between requests) and recorded as views. Beast's
/// own parser<> builds a basic_fields tree per request, which cost more than the parse; this
/// one is the same grammar and limits without it.
class request_head_parser final : public beast::http::basic_parser<true> {
public:
    request_head_parser(std::pmr::memory_resource& arena, std::vector<header_view>& fields)
        : arena_(arena), fields_(fields) {}

    std::string_view method_string() const noexcept { return method_; }
    std::string_view target() const noexcept { return target_; }
    unsigned version() const noexcept { return version_; }  // 10 or 11

private:
    using error_code = boost::system::error_code;
    using view = beast::string_view;

    std::string_view keep(view text);  // a copy in the arena
    void on_request_impl(
        beast::http::verb, view method, view target, int version, error_code&) override;
    void on_response_impl(int, view, int, error_code&) override {}
    void on_field_impl(beast::http::field, view name, view value, error_code&) override;
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
    std::size_t on_body_impl(view, error_code&) override { return 0; }
    void on_chunk_header_impl(std::uint64_t, view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, view, error_code&) override { return 0; }
    void on_finish_impl(error_code&) override {}

    std::pmr::memory_resource& arena_;
    std::vector<header_view>& fields_;
    std::string_view method_;
    std::string_view target_;
    unsigned version_ = 11;
};

struct incoming_request {
    std::optional<request_head_parser> parser;
    std::vector<header_view> fields;  // views into the arena, filled by the parser
    std::string body;

    const request_head_parser& head() const { return *parser; }
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

#include "tollgate/proxy/read_request.hpp"

#include "tollgate/core/error.hpp"
#include "tollgate/proxy/buffered_read.hpp"
#include "tollgate/proxy/chunked_decoder.hpp"

#include <algorithm>
#include <cstring>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>

namespace tollgate::proxy {
namespace {

// Header names with an underscore: dropped (nginx's default), refused, or kept, before
// anything reads the fields, so neither the gateway nor the upstream sees a dropped one.
boost::system::error_code apply_underscore_policy(config::underscore_headers policy,
                                                  std::vector<header_view>& fields) {
    if (policy == config::underscore_headers::allow) {
        return {};
    }
    const auto underscored = [](const header_view& f) {
        return f.name.find('_') != std::string_view::npos;
    };
    if (policy == config::underscore_headers::reject) {
        return std::any_of(fields.begin(), fields.end(), underscored)
                   ? boost::system::error_code(error::underscore_in_header)
                   : boost::system::error_code();
    }
    std::erase_if(fields, underscored);
    return {};
}

namespace http = beast::http;
using error_code = boost::system::error_code;

error_code client_error(const error_code& ec, const watchdog& timer) {
    if (timer.fired) {
        return error::client_timeout;
    }
    if (ec == http::error::header_limit) {
        return error::headers_too_large;
    }
    if (ec.category() == error_code(http::error::end_of_stream).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
        return error::bad_request;
    }
    return ec;  // the connection itself failed or closed: nothing to answer
}

task<error_code> read_sized_body(stream& s,
                                 beast::flat_buffer& buf,
                                 const watchdog& timer,
                                 std::size_t length,
                                 std::string& body) {
    body.resize(length);
    const std::size_t have = std::min(length, buf.size());
    net::buffer_copy(net::buffer(body.data(), have), buf.data());
    buf.consume(have);
    if (have == length) {
        co_return error_code{};
    }
    auto [ec, n] = co_await net::async_read(
        s, net::buffer(body.data() + have, length - have), use_nothrow_awaitable);
    co_return ec ? client_error(ec, timer) : error_code{};
}

task<error_code> read_chunked_body(stream& s,
                                   beast::flat_buffer& buf,
                                   const config::server_limits& limits,
                                   const watchdog& timer,
                                   std::string& body) {
    // Trailers are header fields: they get the header budget.
    chunked_decoder decoder(limits.max_chunk_line_bytes,
                            limits.max_body_bytes,
                            limits.max_header_bytes,
                            limits.max_chunk_overhead);
    for (;;) {
        const auto data = buf.cdata();
        auto used = decoder.feed(
            std::string_view(static_cast<const char*>(data.data()), data.size()), body);
        if (!used) {
            co_return used.error();
        }
        buf.consume(*used);
        if (decoder.done()) {
            co_return error_code{};
        }
        auto [ec, n] = co_await s.async_read_some(buf.prepare(16 * 1024), use_nothrow_awaitable);
        if (ec) {
            co_return client_error(ec == net::error::eof ? http::error::partial_message : ec,
                                   timer);
        }
        buf.commit(n);
    }
}

std::string_view bytes_of(const beast::flat_buffer& buf) {
    return {static_cast<const char*>(buf.data().data()), buf.size()};
}

// The head, reading the socket until it is complete. Only called when what was buffered
// did not finish it (a coroutine call of its own, kept off read_request's frame).
task<error_code> read_head(stream& s, beast::flat_buffer& buf, request_head& head) {
    for (;;) {
        auto [ec, n] =
            co_await s.async_read_some(buf.prepare(detail::read_room(buf)), use_nothrow_awaitable);
        buf.commit(n);
        if (ec) {
            co_return detail::end_of(ec, head.got_some() || buf.size() > 0);
        }
        switch (head.feed(bytes_of(buf))) {
            case request_head::state::done:
                co_return error_code{};
            case request_head::state::failed:
                co_return head.error();
            case request_head::state::need_more:
                break;
        }
    }
}

bool expects_continue(const incoming_request& in) {
    for (const auto& f : in.fields) {
        if (iequals(f.name, "expect") && iequals(f.value, "100-continue")) {
            return true;
        }
    }
    return false;
}

}  // namespace

task<error_code> read_request_head(stream& s,
                                   beast::flat_buffer& buf,
                                   const config::server_limits& limits,
                                   watchdog& timer,
                                   std::pmr::memory_resource& arena,
                                   incoming_request& in) {
    in.fields.clear();
    in.parser.emplace(arena, in.fields, limits.max_header_bytes);
    in.body.clear();
    in.framing = {};
    in.expects_continue = false;
    timer.arm(limits.header_timeout);
    error_code hec;
    switch (in.parser->feed(bytes_of(buf))) {
        case request_head::state::done:
            break;
        case request_head::state::failed:
            hec = in.parser->error();
            break;
        case request_head::state::need_more:
            hec = co_await read_head(s, buf, *in.parser);
            break;
    }
    if (hec) {
        co_return client_error(hec, timer);
    }
    buf.consume(in.parser->size());
    if (in.fields.size() > limits.max_header_count) {
        co_return error::headers_too_large;
    }
    auto framing = check_framing(in.parser->version(), in.fields);
    if (!framing) {
        co_return framing.error();
    }
    if (const auto bad = check_host(in.parser->version(), in.fields)) {
        co_return bad;
    }
    if (const auto bad = apply_underscore_policy(limits.headers_with_underscores, in.fields)) {
        co_return bad;
    }
    if (!framing->chunked && framing->content_length > limits.max_body_bytes) {
        co_return error::body_too_large;
    }
    in.framing = *framing;
    in.expects_continue = in.parser->version() >= 11 && expects_continue(in);
    co_return error_code{};
}

bool take_buffered_body(beast::flat_buffer& buf, incoming_request& in) {
    const auto length = static_cast<std::size_t>(in.framing.content_length);
    if (in.framing.chunked || in.expects_continue || buf.size() < length) {
        return false;
    }
    in.body.assign(static_cast<const char*>(buf.data().data()), length);
    buf.consume(length);
    return true;
}

task<error_code> read_request_body(stream& s,
                                   beast::flat_buffer& buf,
                                   const config::server_limits& limits,
                                   watchdog& timer,
                                   incoming_request& in) {
    if (in.expects_continue) {
        static constexpr std::string_view go_on = "HTTP/1.1 100 Continue\r\n\r\n";
        timer.arm(limits.send_timeout);
        auto [wec, w] = co_await net::async_write(s, net::buffer(go_on), use_nothrow_awaitable);
        if (wec) {
            co_return wec;
        }
        in.expects_continue = false;
    }
    timer.arm(limits.body_timeout);
    if (in.framing.chunked) {
        co_return co_await read_chunked_body(s, buf, limits, timer, in.body);
    }
    if (take_buffered_body(buf, in)) {
        co_return error_code{};
    }
    co_return co_await read_sized_body(
        s, buf, timer, static_cast<std::size_t>(in.framing.content_length), in.body);
}

}  // namespace tollgate::proxy

// Reading an HTTP message with a Beast parser, parsing what is already buffered in place and
// awaiting the socket only when the parser needs more bytes. A small request or response
// usually arrives whole with the first read, so this saves the scheduler round trip that an
// async_read_header completing at once would cost. Included by the I/O sources only.
#pragma once

#include "tollgate/core/stream.hpp"

#include <algorithm>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

namespace tollgate::proxy {

namespace detail {

// One socket read into `buf`; end of stream becomes Beast's end_of_stream (nothing of a
// message yet) or partial_message (a message cut short).
inline net::awaitable<boost::system::error_code> fill(stream& s,
                                                      beast::flat_buffer& buf,
                                                      bool got_some) {
    const std::size_t room =
        std::max<std::size_t>(4096, std::min<std::size_t>(buf.capacity() - buf.size(), 65536));
    auto [ec, n] = co_await s.async_read_some(buf.prepare(room), use_nothrow_awaitable);
    buf.commit(n);
    if (ec == net::error::eof) {
        co_return got_some ? beast::http::error::partial_message
                           : beast::http::error::end_of_stream;
    }
    co_return ec;
}

}  // namespace detail

/// Parses until the header is complete.
template <class Parser>
net::awaitable<boost::system::error_code> read_header(stream& s,
                                                      beast::flat_buffer& buf,
                                                      Parser& p) {
    for (;;) {
        if (buf.size() > 0) {
            boost::system::error_code ec;
            buf.consume(p.put(buf.data(), ec));
            if (ec && ec != beast::http::error::need_more) {
                co_return ec;
            }
            if (p.is_header_done()) {
                co_return boost::system::error_code{};
            }
        }
        if (auto ec = co_await detail::fill(s, buf, p.got_some())) {
            co_return ec;
        }
    }
}

/// Parses body bytes into the parser's buffer_body window until it holds some, the window is
/// full, or the message is done. Returns how many bytes it produced.
template <class Parser>
net::awaitable<std::pair<boost::system::error_code, std::size_t>> read_body_piece(
    stream& s, beast::flat_buffer& buf, Parser& p) {
    auto& body = p.get().body();
    const std::size_t window = body.size;
    p.eager(true);
    for (;;) {
        if (buf.size() > 0) {
            boost::system::error_code ec;
            buf.consume(p.put(buf.data(), ec));
            if (ec == beast::http::error::need_buffer) {
                ec = {};  // the window is full
            }
            if (ec && ec != beast::http::error::need_more) {
                co_return std::pair{ec, window - body.size};
            }
        }
        if (p.is_done() || body.size < window) {
            co_return std::pair{boost::system::error_code{}, window - body.size};
        }
        if (auto ec = co_await detail::fill(s, buf, true)) {
            if (ec == beast::http::error::partial_message && p.need_eof()) {
                p.put_eof(ec);  // a body delimited by the end of the connection is complete
            }
            co_return std::pair{ec, window - body.size};
        }
    }
}

}  // namespace tollgate::proxy

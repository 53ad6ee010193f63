// Reading an upstream response with a Beast parser, parsing what is already buffered in place
// and awaiting the socket only when the parser needs more bytes. A small response usually
// arrives whole with the first read: the parse_buffered_* functions then finish it without
// I/O and without a coroutine call (a frame each). The read sizing and end-of-stream mapping
// (detail::) serve client request heads too. Included by the I/O sources only.
#pragma once

#include "tollgate/core/stream.hpp"

#include <algorithm>
#include <utility>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

namespace tollgate::proxy {

namespace detail {

// How much to read next: at least 4 KiB, at most 64 KiB.
inline std::size_t read_room(const beast::flat_buffer& buf) {
    return std::max<std::size_t>(4096, std::min<std::size_t>(buf.capacity() - buf.size(), 65536));
}

// End of stream becomes Beast's end_of_stream (nothing of a message yet) or partial_message
// (a message cut short); other errors pass through.
inline boost::system::error_code end_of(const boost::system::error_code& ec, bool got_some) {
    if (ec == net::error::eof) {
        return got_some ? beast::http::error::partial_message : beast::http::error::end_of_stream;
    }
    return ec;
}

}  // namespace detail

/// Parses the header from what `buf` holds, without I/O. True when the header is complete
/// or `ec` is set; false when more bytes are needed.
template <class Parser>
bool parse_buffered_header(beast::flat_buffer& buf, Parser& p, boost::system::error_code& ec) {
    if (buf.size() > 0) {
        buf.consume(p.put(buf.data(), ec));
        if (ec == beast::http::error::need_more) {
            ec = {};
        }
    }
    return ec || p.is_header_done();
}

/// Parses buffered body bytes into the parser's buffer_body window (of `window` bytes),
/// without I/O. True when there is a result (bytes produced, the message done, or `ec` set);
/// false when the socket must be read.
template <class Parser>
bool parse_buffered_body(beast::flat_buffer& buf,
                         Parser& p,
                         std::size_t window,
                         boost::system::error_code& ec) {
    p.eager(true);
    if (buf.size() > 0) {
        buf.consume(p.put(buf.data(), ec));
        if (ec == beast::http::error::need_buffer || ec == beast::http::error::need_more) {
            ec = {};  // the window is full, or the buffer is used up
        }
    }
    return ec || p.is_done() || p.get().body().size < window;
}

/// Parses body bytes into the parser's buffer_body window until it holds some, the window is
/// full, or the message is done, reading the socket as needed. Returns the bytes produced.
template <class Parser>
task<std::pair<boost::system::error_code, std::size_t>> read_body_piece(stream& s,
                                                                        beast::flat_buffer& buf,
                                                                        Parser& p) {
    auto& body = p.get().body();
    const std::size_t window = body.size;
    for (;;) {
        boost::system::error_code ec;
        if (parse_buffered_body(buf, p, window, ec)) {
            co_return std::pair{ec, window - body.size};
        }
        auto [rec, n] =
            co_await s.async_read_some(buf.prepare(detail::read_room(buf)), use_nothrow_awaitable);
        buf.commit(n);
        if ((ec = rec ? detail::end_of(rec, true) : boost::system::error_code{})) {
            if (ec == beast::http::error::partial_message && p.need_eof()) {
                p.put_eof(ec);  // a body delimited by the end of the connection is complete
            }
            co_return std::pair{ec, window - body.size};
        }
    }
}

}  // namespace tollgate::proxy

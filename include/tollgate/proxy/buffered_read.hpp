// What the readers of a connection's buffer share (client request heads, upstream responses):
// how much to read next, and what an end of stream means. Included by the I/O sources only.
#pragma once

#include "tollgate/core/net.hpp"

#include <algorithm>

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

}  // namespace tollgate::proxy

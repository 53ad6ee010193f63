// The one place for Asio/Beast namespace aliases and our completion token. Included only by
// the I/O modules (server, proxy session/exchange, upstream, mock backend), never by pure code.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace boost::beast {}

namespace tollgate {

namespace net = boost::asio;
namespace beast = boost::beast;

/// Everything on the data path runs on one worker's io_context, so coroutines and sockets are
/// bound to its concrete executor type: no type-erased any_io_executor copies per operation.
using executor = net::io_context::executor_type;

/// A coroutine of the data path.
template <class T>
using task = net::awaitable<T, executor>;

using tcp_socket = net::basic_stream_socket<net::ip::tcp, executor>;

/// Every I/O call on the data path: errors come back as values, `auto [ec, n] = co_await ...`.
inline constexpr auto use_nothrow_awaitable = net::as_tuple(net::use_awaitable_t<executor>{});

}  // namespace tollgate

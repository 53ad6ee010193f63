// The one place for Asio/Beast namespace aliases and our completion token. Included only by
// the I/O modules (server, proxy session/exchange, upstream, mock backend), never by pure code.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace boost::beast {}

namespace tollgate {

namespace net = boost::asio;
namespace beast = boost::beast;

/// Every I/O call on the data path: errors come back as values, `auto [ec, n] = co_await ...`.
inline constexpr auto use_nothrow_awaitable = net::as_tuple(net::use_awaitable);

}  // namespace tollgate

// run_session(): one client connection's keep-alive loop on its worker: read a request within
// the configured limits, refuse ambiguous framing, route it and relay the answer.
#pragma once

#include "tollgate/core/net.hpp"
#include "tollgate/server/worker.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace tollgate::proxy {

/// Spawned (by value) on `w`'s io_context for each accepted socket.
task<void> run_session(tcp_socket socket, server::worker& w);

}  // namespace tollgate::proxy

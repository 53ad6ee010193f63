// Per-worker keep-alive pool of upstream connections, and connect() to open a new one (async
// DNS, TLS with SNI and host-name verification). Worker-local: no locking.
//
// A pooled connection is never handed out once it is known dead or too old: it is dropped
// when it has been idle past its keep-alive limit (the upstream's own Keep-Alive hint or
// keepalive_timeout, whichever is shorter), and take() asks the kernel, without blocking,
// whether the upstream closed it or sent something unasked while it sat idle.
#pragma once

#include "tollgate/core/result.hpp"
#include "tollgate/core/stream.hpp"
#include "tollgate/core/watchdog.hpp"
#include "tollgate/server/runtime.hpp"

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/beast/core/flat_buffer.hpp>

namespace tollgate::upstream {

using steady_time = std::chrono::steady_clock::time_point;

struct connection {
    explicit connection(stream s) : io(std::move(s)) {}
    stream io;
    beast::flat_buffer buffer;  // bytes read past the last response (normally none)
    bool reused = false;        // came from the pool: may have been closed while idle
    steady_time expires{};      // while pooled: dropped unused after this
};

using connection_ptr = std::unique_ptr<connection>;

/// Whether the peer of a connection idle in the pool has closed it, reset it or (plain
/// connections) sent bytes nobody asked for: one non-blocking recv(MSG_PEEK). False for a
/// live, quiet connection, and for a TLS one with records waiting (tickets, key updates).
bool closed_while_idle(tcp_socket& s, bool tls) noexcept;

class pool {
public:
    /// The most recently used idle connection to `key` that is still alive at `now`, or
    /// null. Connections found expired or closed on the way are dropped.
    connection_ptr take(const std::string& key, steady_time now);

    /// Keeps `c` for reuse until `c->expires`, unless `max_idle` connections to `key` are
    /// already idle. Drops the key's connections that expired by `now`.
    void put(const std::string& key, connection_ptr c, std::size_t max_idle, steady_time now);

    /// Closes the idle connections that expired by `now` (the worker's tick).
    void sweep(steady_time now);

    /// Idle connections to `key` (tests and stats).
    std::size_t idle(const std::string& key) const;
    /// Idle connections to every key.
    std::size_t idle_total() const noexcept {
        std::size_t n = 0;
        for (const auto& [key, list] : idle_) {
            n += list.size();
        }
        return n;
    }

    /// Closes every idle connection (shutdown).
    void clear() { idle_.clear(); }

private:
    // Oldest first: each put() appends, so expiry times only grow from front to back.
    std::unordered_map<std::string, std::deque<connection_ptr>> idle_;
};

/// Where the session's tick finds the upstream I/O in flight and its deadline.
struct upstream_guard {
    watchdog& timer;
    tcp_socket*& current;
};

/// Resolves, connects and, for https, handshakes, within connect_timeout. upstream_timeout
/// when the deadline passes, upstream_unavailable for any other failure.
task<result<connection_ptr>> connect(const server::endpoint_runtime& up, upstream_guard guard);

}  // namespace tollgate::upstream

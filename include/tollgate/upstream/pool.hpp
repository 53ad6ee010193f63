// Per-worker keep-alive pool of upstream connections, and connect() to open a new one (async
// DNS, TLS with SNI and host-name verification). Worker-local: no locking.
#pragma once

#include "tollgate/core/result.hpp"
#include "tollgate/core/stream.hpp"
#include "tollgate/core/watchdog.hpp"
#include "tollgate/server/runtime.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>

namespace tollgate::upstream {

struct connection {
    explicit connection(stream s) : io(std::move(s)) {}
    stream io;
    beast::flat_buffer buffer;  // bytes read past the last response (normally none)
    bool reused = false;        // came from the pool: may have been closed while idle
};

using connection_ptr = std::unique_ptr<connection>;

class pool {
public:
    /// The most recently used idle connection to `key`, or null.
    connection_ptr take(const std::string& key);

    /// Keeps `c` for reuse unless `max_idle` connections to `key` are already idle.
    void put(const std::string& key, connection_ptr c, std::size_t max_idle);

    /// Closes every idle connection (shutdown).
    void clear() { idle_.clear(); }

private:
    std::unordered_map<std::string, std::vector<connection_ptr>> idle_;
};

/// Where the session's tick finds the upstream I/O in flight and its deadline.
struct upstream_guard {
    watchdog& timer;
    tcp_socket*& current;
};

/// Resolves, connects and, for https, handshakes, within connect_timeout. upstream_timeout
/// when the deadline passes, upstream_unavailable for any other failure.
task<result<connection_ptr>> connect(const server::upstream_runtime& up, upstream_guard guard);

}  // namespace tollgate::upstream

// One Redis connection on one thread's io_context: our own Asio socket (plain or TLS), hiredis
// only as the RESP codec (hiredis 0.14's async API has no timeouts). Commands are pipelined:
// many coroutines may have batches in flight; each batch is written contiguously (so a
// MULTI/EXEC batch cannot interleave with another) and its replies come back in order. Every
// batch has a deadline; in-flight commands are bounded; a lost connection fails what is in
// flight and reconnects in the background with exponential backoff.
//
// Subscriber mode (subscribe()): the connection SUBSCRIBEs after every (re)connect and hands
// each message to a callback.
#pragma once

#include "tollgate/core/net.hpp"
#include "tollgate/core/result.hpp"
#include "tollgate/metrics/counter.hpp"
#include "tollgate/redis/resp.hpp"
#include "tollgate/redis/url.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

namespace tollgate::redis {

struct settings {
    url where;
    std::chrono::milliseconds connect_timeout{2'000};
    std::chrono::milliseconds command_timeout{1'000};
    std::chrono::milliseconds reconnect_max{5'000};
    std::size_t max_pending = 4'096;
    std::shared_ptr<net::ssl::context> tls;  // required for rediss://
    bool verify_tls = true;
};

/// A TLS client context for rediss:// (system trust store unless `ca_file`). Throws
/// std::runtime_error when the CA file cannot be loaded.
std::shared_ptr<net::ssl::context> make_tls_context(const std::string& ca_file, bool verify);

using command = std::vector<std::string>;

class connection : public std::enable_shared_from_this<connection> {
public:
    /// Starts connecting in the background on `ioc`'s thread.
    static std::shared_ptr<connection> open(net::io_context& ioc, settings s);
    ~connection();

    /// Sends `batch` and returns its replies in order (a Redis error reply is a value, not a
    /// failure). Fails with error::store_unavailable when not connected or when the
    /// connection drops, error::store_timeout on the deadline (the command may have run),
    /// error::store_overloaded when max_pending is reached.
    task<result<std::vector<value>>> run(std::vector<command> batch);
    task<result<value>> run(command one);

    /// Subscriber mode; call before the first connect completes. `on_connect` runs after
    /// every successful (re)subscription (messages may have been missed while down).
    void subscribe(std::string channel,
                   std::function<void(std::string_view)> on_message,
                   std::function<void()> on_connect);

    /// Fails what is in flight and stops reconnecting. Safe to call more than once.
    void close();
    bool connected() const noexcept;
    /// Which connection this is: 1 for the first, +1 per reconnect; 0 while none is up.
    /// What was agreed with Redis on one session may be gone on the next (a restarted Redis).
    std::uint64_t session() const noexcept;

    /// Batches run on this connection (its thread only; for /metrics).
    struct counts {
        std::uint64_t batches = 0;
        std::uint64_t errors = 0;    // not connected, dropped, overloaded
        std::uint64_t timeouts = 0;  // past command_timeout
        metrics::histogram latency;  // of the batches answered
    };
    const counts& stats() const noexcept;

    struct state;  // private; public for the coroutines in the .cpp

private:
    explicit connection(std::shared_ptr<state> s) : s_(std::move(s)) {}
    std::shared_ptr<state> s_;
};

}  // namespace tollgate::redis

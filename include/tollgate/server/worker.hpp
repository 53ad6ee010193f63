// worker: one thread running its own io_context, with everything its sessions touch
// (upstream pool, current runtime snapshot, request-id source, access-log batch) and the tick
// that enforces every session's deadlines. Sessions run on exactly one worker and may hold
// `worker&`: a worker outlives every session spawned on it.
#pragma once

#include "tollgate/auth/key_cache.hpp"
#include "tollgate/core/stream.hpp"
#include "tollgate/core/watchdog.hpp"
#include "tollgate/metering/count_cache.hpp"
#include "tollgate/metrics/worker_metrics.hpp"
#include "tollgate/proxy/client_watch.hpp"
#include "tollgate/server/access_batch.hpp"
#include "tollgate/server/charge_backlog.hpp"
#include "tollgate/server/runtime.hpp"
#include "tollgate/upstream/pool.hpp"
#include "tollgate/upstream/traffic.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace tollgate::store {
class store;
class backend;
struct invalidation;
}  // namespace tollgate::store

namespace tollgate::server {

/// A session's entry in its worker's registry: its deadlines, checked by the tick, and what
/// to cancel when one passes.
struct session_entry {
    stream* io = nullptr;
    bool idle = true;   // waiting for the next request, nothing in flight
    watchdog client;    // the client phase (idle, header, body, send): cancels `io`
    watchdog upstream;  // the upstream phase (connect, first byte, body gap)
    watchdog watch;     // when to start watching the client for a hang-up
    std::shared_ptr<proxy::client_watch> watcher;  // also holds the upstream socket in flight
};

class count_pool;

class worker {
public:
    /// How often deadlines are checked: their precision.
    static constexpr std::chrono::milliseconds tick_period = watchdog::tick;

    explicit worker(std::shared_ptr<const runtime> rt);
    worker(const worker&) = delete;
    worker& operator=(const worker&) = delete;

    net::io_context& ioc() noexcept { return ioc_; }
    const runtime& rt() const noexcept { return *runtime_; }
    std::shared_ptr<const runtime> snapshot() const noexcept { return runtime_; }
    upstream::pool& pool() noexcept { return pool_; }
    /// This worker's balancers and slot queues for the upstreams of `rt` (the request's
    /// snapshot); a request keeps the handle for its whole exchange.
    std::shared_ptr<upstream::traffic> traffic(const std::shared_ptr<const runtime>& rt) {
        if (!traffic_ || traffic_->built_for() != rt.get()) {
            traffic_ = std::make_shared<upstream::traffic>(rt);
        }
        return traffic_;
    }
    /// This worker's store handle and key cache (worker thread only).
    store::store& store() noexcept { return *store_; }
    /// Where quotas are kept while the store is down under store.on_error: fail_open (an
    /// in-process memory store shared by the workers); null when there is none.
    store::store* fallback_store() noexcept { return fallback_.get(); }
    /// Queues a settlement or charge the store could not take; retried until it does.
    void defer_charge(pending_charge c);
    const charge_backlog& backlog() const noexcept { return backlog_; }
    auth::key_cache& key_cache() noexcept { return keys_; }
    /// Token counts of prompt texts this worker counted lately (worker thread only).
    metering::count_cache& count_cache() noexcept { return counts_; }
    /// Where large prompts are counted (tokenizer.offload_bytes); null in tests without one.
    count_pool* counting() const noexcept { return counting_; }
    void use_count_pool(count_pool* p) noexcept { counting_ = p; }
    bool draining() const noexcept { return draining_; }
    /// This worker's counters: written on its thread, read by the scrape on any.
    metrics::worker_metrics& metrics() noexcept { return metrics_; }
    const metrics::worker_metrics& metrics() const noexcept { return metrics_; }

    /// Writes a fresh 32-hex-digit request id into `id` (its capacity is reused).
    void next_request_id(std::string& id);

    // The calls below are thread-safe: each posts to the worker's own thread.
    /// Opens this worker's store (and the fail_open fallback, if any) on its thread, then runs.
    void start(store::backend& backend, store::backend* fallback = nullptr);
    /// Drops what `inv` makes stale from the key cache.
    void invalidate(const store::invalidation& inv);
    void swap_runtime(std::shared_ptr<const runtime> rt);
    /// Stop taking requests: idle sessions close now, busy ones after their response.
    void start_draining();
    /// Abandon whatever is still running (the drain deadline passed).
    void stop() { ioc_.stop(); }
    void join();

    // Worker-thread only.
    /// Queues the request's access-log line; lines leave in batches (16 KiB or 100 ms).
    void log_access(const access_record& r);
    void add(session_entry* s) { sessions_.insert(s); }
    void remove(session_entry* s) { sessions_.erase(s); }

private:
    void schedule_tick();
    void tick();
    void publish_gauges();

    // One thread runs this context and does all I/O on its sockets, registration included:
    // the acceptor hands over raw descriptors and this thread wraps them (server.cpp,
    // start_session). So per-descriptor locking is switched off; posting stays thread-safe.
    // (When the acceptor registered sockets itself, ThreadSanitizer caught it re-initialising
    // a recycled descriptor state this thread was still reading.)
    net::io_context ioc_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    std::optional<net::executor_work_guard<net::io_context::executor_type>> guard_;
    std::shared_ptr<const runtime> runtime_;
    upstream::pool pool_;
    std::shared_ptr<upstream::traffic> traffic_;
    std::shared_ptr<store::store> store_;
    std::shared_ptr<store::store> fallback_;
    charge_backlog backlog_{ioc_};
    auth::key_cache keys_;
    metering::count_cache counts_;
    metrics::worker_metrics metrics_;
    count_pool* counting_ = nullptr;
    std::unordered_set<session_entry*> sessions_;
    bool draining_ = false;
    net::steady_timer tick_timer_{ioc_};
    access_batch access_;
    net::steady_timer access_timer_{ioc_};
    bool access_timer_armed_ = false;
    std::mt19937_64 random_;
    std::uint64_t counter_ = 0;
    std::string id_prefix_;
    std::thread thread_;
};

}  // namespace tollgate::server

// worker: one thread running its own io_context{1}, with everything its sessions touch
// (upstream pool, current runtime snapshot, request-id source). Sessions run on exactly one
// worker and may hold `worker&`: a worker outlives every session spawned on it.
#pragma once

#include "tollgate/core/stream.hpp"
#include "tollgate/server/access_batch.hpp"
#include "tollgate/server/runtime.hpp"
#include "tollgate/upstream/pool.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace tollgate::server {

/// A session's entry in its worker's registry, so a drain can wake the idle ones.
struct session_entry {
    stream* io = nullptr;
    bool idle = true;  // waiting for the next request, nothing in flight
};

class worker {
public:
    explicit worker(std::shared_ptr<const runtime> rt);
    worker(const worker&) = delete;
    worker& operator=(const worker&) = delete;

    net::io_context& ioc() noexcept { return ioc_; }
    const runtime& rt() const noexcept { return *runtime_; }
    std::shared_ptr<const runtime> snapshot() const noexcept { return runtime_; }
    upstream::pool& pool() noexcept { return pool_; }
    bool draining() const noexcept { return draining_; }

    /// A fresh 32-hex-digit request id.
    std::string next_request_id();

    // The calls below are thread-safe: each posts to the worker's own thread.
    void start();
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
    net::io_context ioc_{1};
    std::optional<net::executor_work_guard<net::io_context::executor_type>> guard_;
    std::shared_ptr<const runtime> runtime_;
    upstream::pool pool_;
    std::unordered_set<session_entry*> sessions_;
    bool draining_ = false;
    access_batch access_;
    net::steady_timer access_timer_{ioc_};
    bool access_timer_armed_ = false;
    std::mt19937_64 random_;
    std::uint64_t counter_ = 0;
    std::thread thread_;
};

}  // namespace tollgate::server

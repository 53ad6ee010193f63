// The cost of a reserve + settle pair, the two store calls a metered request makes, on the
// memory store and on a real Redis (a local redis-server on a free loopback port, started
// here through the integration harness). Sequential: the round trip one request waits.
// Concurrent: 64 requests in flight on one worker thread's connection (pipelined). Redis is
// measured twice: every pair its own reservation (quota.lease.requests: 1), and with the
// default leases (most pairs drawn on a lease the worker holds; docs/METERING.md).
//
//   build/benchmarks/reserve_settle [pairs]
#include "harness.hpp"
#include "tollgate/store/backend.hpp"
#include "tollgate/store/store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

using namespace tollgate;
using clock_type = std::chrono::steady_clock;

namespace {

std::vector<config::limit> limits() {
    return {{config::window::minute, config::metric::tokens, 1'000'000'000'000, {}},
            {config::window::day, config::metric::requests, 1'000'000'000'000, {}}};
}

store::lease_terms lease_terms;  // of the store being measured

store::reservation_request request(int i) {
    store::reservation_request r;
    r.consumer = "bench";
    r.request_id = "r" + std::to_string(i);
    r.model = "gpt-4o-mini";
    r.limits = limits();
    r.prompt_tokens = 12;
    r.completion_tokens = 16;
    r.lease = lease_terms;
    return r;
}

// One pair; its latency in microseconds, or a negative number on failure.
task<double> pair(store::store& s, int i) {
    const auto t0 = clock_type::now();
    auto r = co_await s.reserve(request(i));
    if (!r || !r->fits) {
        co_return -1;
    }
    auto done = co_await s.settle(
        "bench", "r" + std::to_string(i), limits(), r->now, quota::charge_for(12, 10, {}));
    if (!done || !*done) {
        co_return -1;
    }
    co_return std::chrono::duration<double, std::micro>(clock_type::now() - t0).count();
}

// `n` pairs in a row; the last chain to finish wakes `done`. (A free function: a lambda
// coroutine's captures die with the lambda, before the coroutine ends.)
task<void> chain(
    store::store& s, int first, int n, int& failures, int& remaining, net::steady_timer& done) {
    for (int i = 0; i < n; ++i) {
        if (co_await pair(s, first + i) < 0) {
            ++failures;
        }
    }
    if (--remaining == 0) {
        done.cancel();
    }
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

void measure(const char* name, const config::store_config& cfg, int pairs) {
    net::io_context ioc;
    auto backend = store::open_backend(cfg);
    auto s = backend->open(ioc);
    std::vector<double> lat;
    double concurrent_rate = 0;
    int failures = 0;
    auto run = [&]() -> task<void> {
        // Wait for the store (Redis connects in the background).
        for (int i = 0; i < 200 && !co_await s->ping(); ++i) {
            net::steady_timer t(ioc, std::chrono::milliseconds(10));
            co_await t.async_wait(use_nothrow_awaitable);
        }
        for (int i = 0; i < pairs; ++i) {
            const double us = co_await pair(*s, i);
            us < 0 ? ++failures : (lat.push_back(us), 0);
        }
        // Concurrent: 64 chains of pairs at once.
        const auto t0 = clock_type::now();
        int remaining = 64;
        const int per_chain = pairs / 64;
        net::steady_timer done(ioc, clock_type::time_point::max());
        for (int c = 0; c < 64; ++c) {
            net::co_spawn(ioc,
                          chain(*s, pairs + c * per_chain, per_chain, failures, remaining, done),
                          net::detached);
        }
        if (remaining > 0) {  // co_spawn may run a chain inline, to its end (memory store)
            co_await done.async_wait(use_nothrow_awaitable);
        }
        concurrent_rate =
            64.0 * per_chain / std::chrono::duration<double>(clock_type::now() - t0).count();
        ioc.stop();  // the Redis connection would keep the context running
    };
    net::co_spawn(ioc, run(), net::detached);
    ioc.run();
    std::printf("%-11s reserve+settle, sequential: p50 %7.1f us  p99 %7.1f us  (%zu pairs)\n",
                name,
                percentile(lat, 0.5),
                percentile(lat, 0.99),
                lat.size());
    std::printf("%-11s reserve+settle, 64 in flight: %8.0f pairs/s on one thread%s\n",
                name,
                concurrent_rate,
                failures ? "  (FAILURES)" : "");
}

}  // namespace

int main(int argc, char** argv) {
    const int pairs = argc > 1 ? std::atoi(argv[1]) : 20'000;
    config::store_config memory;
    measure("memory", memory, pairs);
    testing::redis_server redis;
    config::store_config r;
    r.kind = config::store_kind::redis;
    r.url = redis.url(0);
    measure("redis", r, pairs);
    lease_terms = {128, 8, 1000};  // quota.lease's defaults
    measure("redis+lease", r, pairs);
    return 0;
}

// One worker's metrics: what its requests did (counted as each one ends, on the worker's
// thread) and its gauges (published by its 100 ms tick from the objects that keep them:
// key cache, pool, backlog, store). The control thread sums every worker's at scrape time
// (metrics/exposition.hpp). Pure: no I/O, nothing shared between workers.
#pragma once

#include "tollgate/metrics/counter.hpp"
#include "tollgate/metrics/series_table.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tollgate::metrics {

/// How a metered request's admission ended.
enum class admission {
    none,               // not metered (no key, or the consumer's limits do not count the model)
    admitted,           // reserved as asked
    clamped,            // reserved, with fewer completion tokens than asked (the body says so)
    quota_exceeded,     // 429
    store_unavailable,  // 503: the store could not answer, and on_error is fail_closed
    refused,            // another refusal (max_tokens_required)
};
inline constexpr std::size_t admission_kinds = 6;
std::string_view name_of(admission a) noexcept;

/// One finished request, as its access-log line knows it.
struct request_sample {
    std::string_view route;     // the API ("chat_completions", ...); empty: no route matched
    unsigned status = 0;        // sent to the client; 499 when the client hung up
    std::string_view upstream;  // empty: never forwarded
    std::string_view consumer;  // empty: no authenticated caller
    std::string_view model;
    // Settled amounts; -1 when not known (not metered, or not reported).
    std::int64_t prompt_tokens = -1;
    std::int64_t completion_tokens = -1;
    std::int64_t cached_tokens = -1;
    std::int64_t reasoning_tokens = -1;
    std::int64_t cost_pico_usd = -1;
    admission admitted = admission::none;
    std::chrono::microseconds latency{0};         // first byte read to last byte written
    std::chrono::microseconds upstream_time{0};   // spent in upstream exchanges (0: none)
    std::chrono::microseconds upstream_ttfb{-1};  // request sent to response head; -1: none
};

class worker_metrics {
public:
    /// `max_series`: label sets kept per labelled family (metrics.max_series).
    explicit worker_metrics(std::size_t max_series) : requests(max_series), usage(max_series) {}

    /// Worker thread only.
    void record(const request_sample& s);

    // Requests by route, status class ("2xx", ...) and upstream ("none": not forwarded).
    series_table<3, 1> requests;
    // Settled usage by consumer and model: prompt, completion, cached, reasoning tokens, cost.
    enum usage_value { prompt, completion, cached, reasoning, cost_pico_usd, usage_values };
    series_table<2, usage_values> usage;
    std::array<counter, admission_kinds> admissions;
    histogram request_duration;  // latency
    histogram gateway_duration;  // latency minus upstream_time: what the gateway added
    histogram upstream_ttfb;

    // Gauges and copied counters, set by the worker's tick.
    counter client_connections;
    counter upstream_idle_connections;
    counter reservations_open;  // metered requests in flight (held reservations)
    counter charge_backlog;     // settlements waiting for the store
    counter key_cache_entries;
    counter key_cache_hits;
    counter key_cache_misses;
    counter store_commands;
    counter store_errors;
    counter store_timeouts;
    histogram store_latency;
    counter leases_held;
};

/// "2xx" for 200..299, and so on; "other" outside 100..599.
std::string_view status_class(unsigned status) noexcept;

}  // namespace tollgate::metrics

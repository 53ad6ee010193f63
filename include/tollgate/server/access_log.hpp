// The access-log record of one request and its one-line text or JSON form. Never holds a
// key or a prompt: only ids, sizes, timings and the model name. Pure formatting.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/metrics/worker_metrics.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace tollgate::server {

struct access_record {
    std::string_view request_id;  // owned by the session for the request's life
    std::string_view method;
    std::string_view path;   // without the query string
    std::string_view route;  // the API the path named (metrics); empty: none
    std::string model;
    std::string_view upstream;
    std::string_view endpoint;    // the URL of the endpoint that served (or failed last)
    unsigned attempts = 0;        // tries on the upstream's endpoints; 0: never forwarded
    std::string_view consumer;    // the authenticated consumer id ("" when none)
    std::string_view key_prefix;  // the display prefix of the key sent: never the key
    unsigned status = 0;
    std::uint64_t bytes_in = 0;    // request body
    std::uint64_t bytes_out = 0;   // response body
    std::uint64_t sse_events = 0;  // events relayed, for text/event-stream answers
    // Metering (all -1 when the request was not metered):
    std::int64_t prompt_tokens = -1;      // settled
    std::int64_t completion_tokens = -1;  // settled
    std::int64_t reserved_tokens = -1;    // held at admission (prompt estimate + allowance)
    std::int64_t cost_pico_usd = -1;      // settled, 1e-12 USD
    std::int64_t cached_tokens = -1;      // reported: part of prompt_tokens (metrics)
    std::int64_t reasoning_tokens = -1;   // reported: part of completion_tokens (metrics)
    metrics::admission admission = metrics::admission::none;
    std::string_view token_count;  // upstream | local (our tokenizer) | estimate (bytes / 4)
    std::string_view usage_flag;   // invalid | clamped | invalid,clamped; empty: none
    std::chrono::microseconds latency{0};
    std::chrono::microseconds upstream_time{0};   // in upstream exchanges (metrics)
    std::chrono::microseconds upstream_ttfb{-1};  // the last try's time to the response head
    std::string error;                            // empty when none
};

/// Appends the line for `r` to `out` (text: key=value pairs; json: one object).
void append_access_line(std::string& out, const access_record& r, config::log_format format);

inline std::string format_access_line(const access_record& r, config::log_format format) {
    std::string out;
    append_access_line(out, r, format);
    return out;
}

}  // namespace tollgate::server

// balancer: one worker's choice among an upstream's endpoints. Smooth weighted round robin
// (nginx's: every endpoint gets its share, evenly spread) or least outstanding requests per
// weight; passive health (an endpoint failing `failures` times in a row is left out for a
// backoff that doubles per ejection in a row); in-flight counts against a per-endpoint cap;
// and the retry budget (retries at most `budget` of requests, plus `min_per_second`).
// Pure: time is a parameter, so tests need no clock. Worker-local: no locking.
#pragma once

#include "tollgate/config/config.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace tollgate::upstream {

class balancer {
public:
    using time_point = std::chrono::steady_clock::time_point;

    /// `weights` one per endpoint (>= 1); `max_in_flight` per endpoint, 0 for no cap.
    balancer(const config::upstream_config& cfg,
             std::vector<unsigned> weights,
             std::size_t max_in_flight);

    std::size_t size() const noexcept { return endpoints_.size(); }

    /// The endpoint to try, or nullopt when every candidate is at its cap. Ejected endpoints
    /// and those in `tried` (bit i: endpoint i was tried for this request) are avoided while
    /// another is left; when all are ejected, they are all candidates again (better a try
    /// than a certain failure, as Envoy's panic mode).
    std::optional<std::size_t> pick(time_point now, std::uint64_t tried = 0);

    /// A request starts on / leaves endpoint `i`.
    void begin(std::size_t i) noexcept { ++endpoints_[i].in_flight; }
    void end(std::size_t i) noexcept { --endpoints_[i].in_flight; }
    std::size_t in_flight(std::size_t i) const noexcept { return endpoints_[i].in_flight; }

    /// The outcome of one try: a success resets the endpoint's failures in a row; a failure
    /// (connect, reset, timeout, 5xx) counts towards its ejection.
    void succeeded(std::size_t i) noexcept;
    void failed(std::size_t i, time_point now) noexcept;
    bool ejected(std::size_t i, time_point now) const noexcept {
        return endpoints_[i].ejected_until > now;
    }

    /// A request arrived: it adds `budget` to what retries may spend.
    void on_request(time_point now) noexcept;
    /// Spends one retry from the budget; false when it is spent.
    bool take_retry(time_point now) noexcept;

private:
    struct endpoint {
        unsigned weight = 1;
        std::int64_t current = 0;  // smooth round robin's running weight
        std::size_t in_flight = 0;
        unsigned failures = 0;   // in a row
        unsigned ejections = 0;  // in a row: the backoff's exponent
        time_point ejected_until{};
    };
    bool is_candidate(std::size_t i, time_point now, std::uint64_t avoid, bool panic) const;
    void refill(time_point now) noexcept;

    config::balance mode_;
    config::health_config health_;
    double budget_;
    double min_per_second_;
    std::size_t cap_;
    std::vector<endpoint> endpoints_;
    std::size_t next_ = 0;  // least_requests: where ties start, rotated
    double retry_tokens_;
    time_point refilled_{};
};

}  // namespace tollgate::upstream

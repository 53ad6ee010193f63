// ledger: the quota accounts of the memory store, and the reference semantics the Redis
// script implements. Each (consumer, limit, window) has a bucket of settled `used` and
// in-flight `reserved` amounts.
//
//   reserve  checks the request against every applicable limit and, only if all fit, adds it
//            to each bucket's `reserved` and remembers the reservation under its request id:
//            one atomic step, all or nothing.
//   settle   replaces the reservation by the actual amounts (reserved -= held, used +=
//            actual) and forgets it. Exactly once: a second settle of the same request id
//            finds nothing and changes nothing.
//   expire   a reservation not settled by its deadline (its gateway instance died) is charged
//            in full: the upstream may have produced every token it allowed, and the SaaS pays
//            its provider for them. Over-charging a crash is recoverable (the admin sees it);
//            under-charging is money lost.
//
// Amounts are charged to the windows that were current at reservation, so a request that
// straddles midnight counts against the day it started in. Not thread-safe: the memory store
// calls it under its lock. Pure.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/quota/limits.hpp"

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tollgate::quota {

/// A stable name for a limit ("minute:tokens" or "day:cost_usd:gpt-4o*,o1*"): its buckets
/// survive a reload that keeps the limit, and a changed limit starts fresh.
std::string limit_id(const config::limit& l);

class ledger {
public:
    /// Reserves `want` for `request_id`; on success the reservation lives until `deadline`
    /// (Unix seconds). A request id that already holds a reservation is refused (fits=false,
    /// retry_after=0): ids are unique per request.
    decision reserve(const std::string& consumer,
                     const std::string& request_id,
                     std::span<const config::limit> limits,
                     const amounts& want,
                     std::string_view model,
                     std::int64_t now,
                     std::int64_t deadline);

    /// The same, for a caller that already holds the buckets' keys (keys_at) and their
    /// states (states_of) for these limits at `now`: each key is built once per request.
    decision reserve(const std::string& consumer,
                     const std::string& request_id,
                     std::span<const config::limit> limits,
                     std::span<const std::string> keys,
                     std::span<const bucket> current,
                     const amounts& want,
                     std::string_view model,
                     std::int64_t now,
                     std::int64_t deadline);

    /// The keys of the buckets of `limits` in the windows current at `now`, in order.
    static std::vector<std::string> keys_at(const std::string& consumer,
                                            std::span<const config::limit> limits,
                                            std::int64_t now);
    /// The buckets of those keys, in order.
    std::vector<bucket> states_of(std::span<const std::string> keys) const;

    /// Replaces the reservation by `actual`. False when there is none (settled already, or
    /// expired and charged).
    bool settle(const std::string& consumer, const std::string& request_id, const amounts& actual);

    /// Charges `actual` for a request served without a reservation (the store was down and
    /// store.on_error is fail_open) to the windows current at `at`. Once per request id:
    /// false, and nothing changes, when that id was charged before.
    bool add(const std::string& consumer,
             const std::string& request_id,
             std::span<const config::limit> limits,
             const amounts& actual,
             std::int64_t at);
    /// Charges every reservation past its deadline in full; how many there were.
    std::size_t expire(std::int64_t now);

    /// The bucket of limit `l` in the window current at `now`.
    bucket state(const std::string& consumer, const config::limit& l, std::int64_t now) const;

    /// The buckets of `limits` at `now`, in order (what decide() and affordable_completion()
    /// take).
    std::vector<bucket> states(const std::string& consumer,
                               std::span<const config::limit> limits,
                               std::int64_t now) const;

    /// Drops buckets whose window ended by `before` (end <= before: their amounts no longer limit
    /// anything). Reservations keep their own copies of what they hold.
    void forget_windows_before(std::int64_t before);

    std::size_t reservations() const noexcept { return reservations_.size(); }

private:
    struct line {
        std::string bucket_key;
        config::metric what;
        std::int64_t held;
        std::int64_t window_end;
    };
    struct reservation {
        std::vector<line> lines;
        std::int64_t deadline;
    };
    struct stored_bucket {
        bucket b;
        std::int64_t window_end;
    };

    static std::string bucket_key(const std::string& consumer,
                                  const config::limit& l,
                                  std::int64_t window_start);
    void charge(const reservation& r, const amounts* actual);

    std::unordered_map<std::string, stored_bucket> buckets_;
    std::unordered_map<std::string, std::int64_t> added_;  // request ids add()ed -> window end
    std::unordered_map<std::string, reservation> reservations_;  // "consumer\nrequest-id"
    // No reservation's deadline is before this: expire() scans only once one may be due.
    std::int64_t earliest_deadline_ = 0;
};

}  // namespace tollgate::quota

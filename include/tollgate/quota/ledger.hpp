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
//
// Reservations are kept per owner (each worker's memory store is one): the owner that made a
// reservation settles it, and each owner's map, scratch key and earliest deadline stay in its
// own core's cache. One map that every io thread inserted into and erased from cost a cache
// miss per step under load (docs/PERFORMANCE.md). Request ids are unique per owner.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/quota/limits.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/container/small_vector.hpp>

namespace tollgate::quota {

/// A stable name for a limit ("minute:tokens" or "day:cost_usd:gpt-4o*,o1*"): its buckets
/// survive a reload that keeps the limit, and a changed limit starts fresh.
std::string limit_id(const config::limit& l);
/// limit_id(l) appended to `out` (no string of its own).
void append_limit_id(std::string& out, const config::limit& l);
/// The limit a limit_id() names (its amount unknown: 0); nullopt when `id` names none.
std::optional<config::limit> limit_of_id(std::string_view id);

class ledger {
public:
    using owner_id = std::size_t;

    ledger();
    /// A new owner of reservations (owner 0 exists from the start).
    owner_id add_owner();

    /// Reserves `want` for `request_id`; on success the reservation lives until `deadline`
    /// (Unix seconds). A request id that already holds a reservation is refused (fits=false,
    /// retry_after=0): ids are unique per request.
    decision reserve(const std::string& consumer,
                     const std::string& request_id,
                     std::span<const config::limit> limits,
                     const amounts& want,
                     std::string_view model,
                     std::int64_t now,
                     std::int64_t deadline,
                     owner_id owner = 0);

    struct stored_bucket;
    /// The buckets of some limits in the windows current at one time, in the limits' order:
    /// looked up (and made, empty, when new) once per request by buckets_at(), then read and
    /// reserved through. Valid until the ledger next changes other than through reserve().
    class window_buckets {
    public:
        /// Their amounts now, into `out` (replacing what it held).
        void states(std::vector<bucket>& out) const;

    private:
        friend class ledger;
        boost::container::small_vector<stored_bucket*, 4> at_;  // plans hold a few limits
    };
    window_buckets buckets_at(const std::string& consumer,
                              std::span<const config::limit> limits,
                              std::int64_t now);

    /// The same as the first reserve(), for a caller that already holds `limits`' buckets at
    /// `now` and their amounts (`current`, what it decided the completion grant on).
    decision reserve(const std::string& consumer,
                     const std::string& request_id,
                     std::span<const config::limit> limits,
                     const window_buckets& at,
                     std::span<const bucket> current,
                     const amounts& want,
                     std::string_view model,
                     std::int64_t now,
                     std::int64_t deadline,
                     owner_id owner = 0);

    /// Replaces `owner`'s reservation by `actual`. False when there is none (settled already,
    /// or expired and charged).
    bool settle(std::string_view consumer,
                std::string_view request_id,
                const amounts& actual,
                owner_id owner = 0);

    /// Charges `actual` for a request served without a reservation (the store was down and
    /// store.on_error is fail_open) to the windows current at `at`. Once per request id:
    /// false, and nothing changes, when that id was charged before.
    bool add(const std::string& consumer,
             const std::string& request_id,
             std::span<const config::limit> limits,
             const amounts& actual,
             std::int64_t at);
    /// Charges every reservation (of every owner) past its deadline in full (how many there were),
    /// and about once a minute forgets the buckets of windows that have ended
    /// (forget_windows_before).
    std::size_t expire(std::int64_t now);

    /// The bucket of limit `l` in the window current at `now`.
    bucket state(const std::string& consumer, const config::limit& l, std::int64_t now) const;

    /// The buckets of `limits` at `now`, in order (what decide() and affordable_completion()
    /// take).
    std::vector<bucket> states(const std::string& consumer,
                               std::span<const config::limit> limits,
                               std::int64_t now) const;

    /// Drops buckets whose window ended by `before` (end <= before: their amounts no longer limit
    /// anything), but for those a reservation still holds (it settles into them).
    void forget_windows_before(std::int64_t before);

    std::size_t reservations() const noexcept;
    std::size_t buckets() const noexcept;

    // Recovery (store/usage_log.hpp): the ledger rebuilt from what was logged, and its state
    // written out whole for compaction.

    /// A reservation made before, replayed: held as it was, whatever the limits say now.
    void hold(const std::string& consumer,
              const std::string& request_id,
              std::span<const config::limit> limits,
              const amounts& want,
              std::int64_t now,
              std::int64_t deadline);
    /// Charges every open reservation in full (a restart after a crash: the same rule as one
    /// whose gateway died). Returns how many there were.
    std::size_t charge_open();

    /// What a reservation holds of one bucket, by the bucket's identity.
    struct held_line {
        config::limit limit;  // per, what, models
        std::int64_t window_start = 0;
        std::int64_t held = 0;
    };
    /// Every bucket's settled amount, every open reservation and every charged request id, in
    /// a form restore_*() takes back.
    struct visitor {
        virtual ~visitor() = default;
        virtual void used(std::string_view consumer,
                          const config::limit& l,
                          std::int64_t window_start,
                          std::int64_t used) = 0;
        virtual void open(std::string_view consumer,
                          std::string_view request_id,
                          std::int64_t deadline,
                          std::span<const held_line> lines) = 0;
        virtual void added(std::string_view consumer,
                           std::string_view request_id,
                           std::int64_t window_end) = 0;
    };
    void visit(visitor& v) const;
    void restore_used(const std::string& consumer,
                      const config::limit& l,
                      std::int64_t window_start,
                      std::int64_t used);
    void restore_open(const std::string& consumer,
                      const std::string& request_id,
                      std::int64_t deadline,
                      std::span<const held_line> lines);
    void restore_added(const std::string& consumer,
                       const std::string& request_id,
                       std::int64_t window_end);

    struct stored_bucket {
        bucket b;
        std::int64_t window_end = 0;
        std::size_t holders = 0;  // reservations that hold some of it: it stays while any does
    };

private:
    // What a reservation holds of one bucket. Buckets are the map's nodes: they do not move.
    struct line {
        stored_bucket* at;
        config::metric what;
        std::int64_t held;
    };
    struct reservation {
        boost::container::small_vector<line, 3> lines;
        std::int64_t deadline;
    };

    struct owner_state {
        std::unordered_map<std::string, reservation> reservations;  // "consumer\nrequest-id"
        // No reservation's deadline is before this: expire() scans only once one may be due.
        std::int64_t earliest_deadline = 0;
        std::string key;  // reused for lookups: a lookup allocates nothing
        // The node of the last reservation settled, reused by the next one: a reservation
        // then allocates neither a node nor its key.
        std::unordered_map<std::string, reservation>::node_type spare;
    };

    // A consumer's buckets. A plan holds a few limits, each with its current window's bucket
    // and perhaps the last one's until the sweep: a short list, scanned. Looked up by the
    // consumer once per request; no key is built (a string key per limit and window cost
    // ~500 instructions each to build and hash).
    struct account_bucket {
        config::window per;
        config::metric what;
        std::vector<std::string> models;  // the limit's identity: see limit_id()
        std::int64_t window_start;
        std::unique_ptr<stored_bucket> at;  // a reservation points at it: it must not move
    };
    using account = std::vector<account_bucket>;

    // The bucket of `l` whose window starts at `window_start` in `a`, made empty when new.
    static stored_bucket& bucket_in(account& a,
                                    const config::limit& l,
                                    std::int64_t window_start,
                                    std::int64_t window_end);
    const stored_bucket* find_bucket(const std::string& consumer,
                                     const config::limit& l,
                                     std::int64_t window_start) const;
    // "consumer\nrequest-id" in o.key.
    static const std::string& reservation_key(owner_state& o,
                                              std::string_view consumer,
                                              std::string_view request_id);
    void charge(const reservation& r, const amounts* actual);
    void insert(owner_state& o, reservation r);

    std::unordered_map<std::string, account> accounts_;    // by consumer id
    std::unordered_map<std::string, std::int64_t> added_;  // request ids add()ed -> window end
    std::vector<std::unique_ptr<owner_state>> owners_;     // apart: each in its own lines
    std::int64_t next_sweep_ = 0;                          // when expire() next forgets windows
    // No owner's reservation has a deadline before this: expire() reads no owner's state
    // (written by another worker's core, so a cache miss each) until one may be due.
    std::int64_t earliest_deadline_ = std::numeric_limits<std::int64_t>::max();
};

}  // namespace tollgate::quota

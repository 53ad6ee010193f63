// store: where consumers and keys live, behind one interface with two backends (memory with
// an optional journal, Redis). Every call is a coroutine, so a Redis round trip never blocks
// an io thread. Failures come back as values: error::not_found, error::already_exists,
// error::store_unavailable, error::store_overloaded, error::store_timeout.
//
// A `store` is used from one thread (the Redis backend owns a connection per thread); a
// `backend` is process-wide and opens one store per thread that needs it.
#pragma once

#include "tollgate/auth/api_key.hpp"
#include "tollgate/core/net.hpp"
#include "tollgate/core/result.hpp"
#include "tollgate/metrics/counter.hpp"
#include "tollgate/quota/limits.hpp"
#include "tollgate/store/records.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::store {

/// What a change makes stale in the key caches of every gateway instance.
struct invalidation {
    enum class scope { key, consumer, everything };
    scope what = scope::everything;
    std::string id;  // a key id or a consumer id
};

/// How a store that is shared by several gateway instances (Redis) may lease quota to this
/// one: a reservation made for one request holds up to `requests` requests' worth (but never
/// more than 1/`share` of what any limit has left), and the next requests of the same consumer
/// are reserved from it here, without a round trip, for `max_age`. 1 request: no leasing.
/// docs/METERING.md ("Leases").
struct lease_terms {
    std::int64_t requests = 1;
    std::int64_t share = 8;
    std::int64_t max_age_ms = 1000;
};

/// One request's claim on its consumer's limits; the rules are quota/limits.hpp's, the
/// reference implementation quota/ledger.hpp.
struct reservation_request {
    std::string consumer;
    std::string request_id;
    std::string model;
    std::vector<config::limit> limits;  // the consumer's limits (those for `model` count)
    std::int64_t prompt_tokens = 0;     // estimate, or the strict bound
    // max_tokens × n. nullopt: as many as every limit still allows, at most completion_cap.
    std::optional<std::int64_t> completion_tokens;
    bool clamp = false;  // may grant fewer completion tokens than asked (at least 1)
    std::int64_t completion_cap = 4096;
    quota::token_price price;
    std::int64_t ttl_seconds = 900;  // unsettled after this: charged in full
    lease_terms lease;               // the memory store, shared by nobody, ignores it
};

/// Commands one store handle sent (Redis; the memory store sends none) and the leases it
/// holds. Counters only grow.
struct store_stats {
    std::uint64_t commands = 0;                   // command batches sent
    std::uint64_t errors = 0;                     // failed: not connected, dropped, overloaded
    std::uint64_t timeouts = 0;                   // past store.command_timeout
    const metrics::histogram* latency = nullptr;  // of the batches answered; null: none kept
    std::size_t leases_held = 0;
};

struct reservation_result {
    bool fits = false;
    std::size_t blocking = 0;
    std::int64_t retry_after = 0;
    std::int64_t completion_tokens = 0;  // granted
    std::int64_t now = 0;                // the store's clock (Redis TIME); settle needs it
    // Per limit that applies to the model, in the request's order:
    std::vector<quota::bucket> after;     // its bucket after this reservation (when it fits)
    std::vector<std::int64_t> resets_at;  // when its window ends
    std::int64_t lease = 1;               // requests' worth reserved (lease_terms)
};

/// A reservation to settle: `request_id`'s (made at `reserved_at`, the store's clock) is
/// replaced by `actual` in the windows of `limits` (those for its model) current then.
struct settlement {
    std::string consumer;
    std::string request_id;
    std::vector<config::limit> limits;
    std::int64_t reserved_at = 0;
    quota::amounts actual;
};

class store {
public:
    virtual ~store() = default;

    virtual task<result<consumer>> create_consumer(consumer c) = 0;
    virtual task<result<consumer>> get_consumer(std::string id) = 0;
    /// Consumers in id order, starting after `cursor` ("" = from the start).
    virtual task<result<consumer_page>> list_consumers(std::string cursor, std::size_t limit) = 0;
    /// Replaces an existing consumer.
    virtual task<result<consumer>> update_consumer(consumer c) = 0;
    /// Deletes the consumer and every key of it.
    virtual task<result<void>> delete_consumer(std::string id) = 0;

    /// Stores a new key of an existing consumer.
    virtual task<result<key_record>> add_key(key_record k) = 0;
    virtual task<result<std::vector<key_record>>> list_keys(std::string consumer_id) = 0;
    virtual task<result<key_record>> get_key(std::string key_id) = 0;
    virtual task<result<void>> revoke_key(std::string key_id) = 0;
    /// Stores `successor` and sets the old key's expiry to `old_expires_at` (or revokes it
    /// when that is not in the future).
    virtual task<result<key_record>> rotate_key(std::string key_id,
                                                key_record successor,
                                                std::int64_t old_expires_at) = 0;

    /// The key with this digest and its consumer: edge authentication on a cache miss.
    virtual task<result<key_grant>> find_key(auth::key_digest digest) = 0;
    /// Whether the store answers (readiness).
    virtual task<result<void>> ping() = 0;

    /// Reserves in one atomic step against every limit, or nothing.
    virtual task<result<reservation_result>> reserve(reservation_request r) = 0;
    /// Replaces request_id's reservation (made at `reserved_at`, the result's `now`) by
    /// `actual`. False when there is none: settled already, or expired and charged in full.
    virtual task<result<bool>> settle(std::string consumer,
                                      std::string request_id,
                                      std::vector<config::limit> limits,
                                      std::int64_t reserved_at,
                                      quota::amounts actual) = 0;
    /// reserve() and settle() answered at once, without a coroutine, by a store that can (the
    /// memory store: a lock, no I/O). reserve_now() writes its answer into `out`, reusing its
    /// vectors, and may change the request. A store that must be awaited returns false from
    /// reserve_now() and nullopt from settle_now().
    virtual bool reserve_now(reservation_request& /*r*/, reservation_result& /*out*/) {
        return false;
    }
    virtual std::optional<result<bool>> settle_now(std::string_view /*consumer*/,
                                                   std::string_view /*request_id*/,
                                                   std::int64_t /*reserved_at*/,
                                                   const quota::amounts& /*actual*/) {
        return std::nullopt;
    }
    /// Charges `actual` for a request served without a reservation (fail_open while the store
    /// was down), or an Admin API adjustment (amounts of either sign; usage stays >= 0), to
    /// the windows current at `at` (Unix seconds), once per request id: a replay finds it
    /// charged and changes nothing (false). `limits`: those for its model.
    virtual task<result<bool>> charge(std::string consumer,
                                      std::string request_id,
                                      std::vector<config::limit> limits,
                                      std::int64_t at,
                                      quota::amounts actual) = 0;
    /// Gives back what the store holds on this instance's behalf (leases) once the requests
    /// drawing on it have settled, and stops retrying soon after: the worker is shutting down.
    virtual void drain() {}
    /// What this handle's connection counted, for /metrics (the caller's thread only).
    virtual store_stats stats() const { return {}; }
    /// The consumer's buckets for `limits` in the current windows (expired reservations
    /// charged first), with the store's clock.
    virtual task<result<std::pair<std::vector<quota::bucket>, std::int64_t>>> usage(
        std::string consumer, std::vector<config::limit> limits) = 0;
};

using invalidation_handler = std::function<void(const invalidation&)>;

class backend {
public:
    virtual ~backend() = default;
    /// A store for the thread running `ioc`; call it on that thread.
    virtual std::shared_ptr<store> open(net::io_context& ioc) = 0;
    /// Delivers every invalidation, from this instance or (Redis) any other, to `on`, called
    /// on the thread of `ioc`. Call once, before serving.
    virtual void watch(net::io_context& ioc, invalidation_handler on) = 0;
};

}  // namespace tollgate::store

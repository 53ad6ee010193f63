// store: where consumers and keys live, behind one interface with two backends (memory with
// an optional journal, Redis). Every call is a coroutine, so a Redis round trip never blocks
// an io thread. Failures come back as values: error::not_found, error::already_exists,
// error::store_unavailable, error::store_overloaded.
//
// A `store` is used from one thread (the Redis backend owns a connection per thread); a
// `backend` is process-wide and opens one store per thread that needs it.
#pragma once

#include "tollgate/auth/api_key.hpp"
#include "tollgate/core/net.hpp"
#include "tollgate/core/result.hpp"
#include "tollgate/store/records.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tollgate::store {

/// What a change makes stale in the key caches of every gateway instance.
struct invalidation {
    enum class scope { key, consumer, everything };
    scope what = scope::everything;
    std::string id;  // a key id or a consumer id
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

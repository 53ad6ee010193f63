// key_cache: a worker's bounded, least-recently-used cache of key records, so a warm key is
// authenticated without a store round trip. Entries are dropped by invalidations (revoke,
// rotate, consumer change) and re-read after auth.cache_ttl; unknown well-formed keys are
// remembered (negatively) for auth.negative_ttl, so a flood of forged keys cannot hammer the
// store. One per worker thread; not thread-safe. Pure.
#pragma once

#include "tollgate/auth/api_key.hpp"
#include "tollgate/config/config.hpp"

#include <chrono>
#include <cstdint>
#include <cstring>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tollgate::auth {

/// What the proxy needs of a key, shared with the requests using it (an entry may be dropped
/// while a request it admitted is still in flight).
struct key_facts {
    bool known = false;  // false: a negative entry (no such key)
    std::string key_id;
    std::string consumer_id;
    std::string prefix;
    std::optional<std::int64_t> expires_at;  // Unix seconds
    std::vector<std::string> models;         // globs; empty = any
    bool consumer_disabled = false;
    std::string plan;  // the consumer's plan ("" = default_plan)
    // The consumer's own limits, parsed once when cached; null: its plan's apply.
    std::shared_ptr<const std::vector<config::limit>> own_limits;
};

class key_cache {
public:
    using clock = std::chrono::steady_clock;

    explicit key_cache(std::size_t capacity) : capacity_(capacity) {}

    struct hit {
        std::shared_ptr<const key_facts> facts;
        clock::time_point fetched;
    };

    /// The entry for `digest`, marked as recently used; nullopt on a miss.
    std::optional<hit> find(const key_digest& digest);
    /// Inserts or replaces; evicts the least recently used entry when full.
    void put(const key_digest& digest,
             std::shared_ptr<const key_facts> facts,
             clock::time_point now);

    /// Counts invalidations: a record read from the store while one arrived may be stale.
    std::uint64_t generation() const noexcept { return generation_; }
    /// put(), unless an invalidation arrived since `generation` was read.
    void put_if_unchanged(std::uint64_t generation,
                          const key_digest& digest,
                          std::shared_ptr<const key_facts> facts,
                          clock::time_point now) {
        if (generation == generation_) {
            put(digest, std::move(facts), now);
        }
    }

    void drop_key(std::string_view key_id);
    void drop_consumer(std::string_view consumer_id);
    void clear();
    std::size_t size() const noexcept { return index_.size(); }
    /// find() calls that found an entry, and that did not (for /metrics).
    std::uint64_t hits() const noexcept { return hits_; }
    std::uint64_t misses() const noexcept { return misses_; }

private:
    struct digest_hash {
        std::size_t operator()(const key_digest& d) const noexcept {
            std::size_t h;
            std::memcpy(&h, d.data(), sizeof h);  // SHA-256 bytes are already uniform
            return h;
        }
    };
    struct entry {
        key_digest digest;
        hit value;
    };
    template <class Pred>
    void drop_if(Pred pred);

    std::size_t capacity_;
    std::uint64_t generation_ = 0;
    std::uint64_t hits_ = 0;
    std::uint64_t misses_ = 0;
    std::list<entry> lru_;  // front = most recent
    std::unordered_map<key_digest, std::list<entry>::iterator, digest_hash> index_;
};

}  // namespace tollgate::auth

// The Redis store (store.kind: redis): consumers and keys in Redis 7, one connection per
// thread (never blocking an io thread), invalidations over pub/sub so every gateway
// instance drops a revoked key within a second. Layout and guarantees: docs/STORE.md.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/store/store.hpp"

#include <memory>

namespace tollgate::store {

/// Throws std::runtime_error on a malformed store.url. Connecting happens in the background
/// (and again after every loss, with backoff): a Redis that is down at startup is not fatal.
std::unique_ptr<backend> make_redis_backend(const config::store_config& cfg);

}  // namespace tollgate::store

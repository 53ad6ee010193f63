// Edge authentication of a proxied request: the key from `Authorization: Bearer` or
// `x-api-key`, its format and checksum checked before anything else, then the worker's key
// cache, then (on a miss or a stale entry) the store. Runs on the session's worker.
#pragma once

#include "tollgate/auth/key_cache.hpp"
#include "tollgate/auth/key_memo.hpp"
#include "tollgate/core/net.hpp"
#include "tollgate/proxy/framing.hpp"
#include "tollgate/server/worker.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include <boost/system/error_code.hpp>

namespace tollgate::proxy {

struct auth_outcome {
    boost::system::error_code ec;  // invalid_api_key, consumer_disabled, store_unavailable
    std::shared_ptr<const auth::key_facts> facts;  // set when admitted (null under fail_open
                                                   // with the store down: unverified)
    std::string_view key_prefix;  // of whatever the client sent, for the access log
};

/// The key the client sent (Bearer or x-api-key), or "" if none.
/// nullopt when the request carries two credentials that differ (conflicting_credentials).
std::optional<std::string_view> presented_key(std::span<const header_view> fields) noexcept;

/// The first, synchronous step: the key's format, then the worker's cache. Most requests
/// (a warm key) end here without a coroutine frame; `needs_store` says the cache could not
/// decide (a miss or a stale entry) and authenticate_with_store() must finish. `memo` is the
/// connection's: a key it presented before is not hashed again.
struct auth_attempt {
    auth_outcome outcome;
    bool needs_store = false;
    auth::key_digest digest{};
    std::shared_ptr<const auth::key_facts> stale;  // a cached entry past its TTL, if any
};
auth_attempt authenticate_cached(server::worker& w,
                                 std::span<const header_view> fields,
                                 auth::key_memo& memo);

/// The second step on a miss: ask the store (co_await; never blocks the worker), cache the
/// answer, decide.
task<auth_outcome> authenticate_with_store(server::worker& w, auth_attempt attempt);

/// error::model_not_allowed unless the key's allowlist covers `model`.
boost::system::error_code check_model(const auth::key_facts& facts, std::string_view model);

}  // namespace tollgate::proxy

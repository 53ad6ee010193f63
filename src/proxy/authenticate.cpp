#include "tollgate/proxy/authenticate.hpp"

#include "tollgate/core/error.hpp"
#include "tollgate/core/rfc3339.hpp"
#include "tollgate/proxy/glob.hpp"
#include "tollgate/quota/limits.hpp"
#include "tollgate/store/store.hpp"

namespace tollgate::proxy {
namespace {

using error_code = boost::system::error_code;

std::shared_ptr<const auth::key_facts> facts_of(const store::key_grant& g) {
    auto f = std::make_shared<auth::key_facts>();
    f->known = true;
    f->key_id = g.key.id;
    f->consumer_id = g.owner.id;
    f->prefix = g.key.prefix;
    f->expires_at = g.key.expires_at;
    f->models = g.key.models;
    f->consumer_disabled = g.owner.disabled;
    f->plan = g.owner.plan;
    if (g.owner.limits.is_array()) {
        f->own_limits = std::make_shared<const std::vector<config::limit>>(
            quota::limits_of(config::config{}, "", g.owner.limits));
    }
    return f;
}

// The verdict on known facts: admitted, or why not.
error_code verdict(const auth::key_facts& f) {
    if (!f.known || (f.expires_at && unix_now() >= *f.expires_at)) {
        return error::invalid_api_key;
    }
    if (f.consumer_disabled) {
        return error::consumer_disabled;
    }
    return {};
}

}  // namespace

std::optional<std::string_view> presented_key(std::span<const header_view> fields) noexcept {
    std::string_view key;
    bool found = false;
    for (const auto& f : fields) {
        std::string_view candidate;
        bool credential = false;
        if (f.name.size() == 13 && iequals(f.name, "authorization")) {
            // Another scheme (Basic for a proxy in front) is not a key: skipped, as before.
            const auto v = trim_ows(f.value);
            credential = v.size() > 7 && iequals(v.substr(0, 7), "bearer ");
            candidate = credential ? trim_ows(v.substr(7)) : std::string_view();
        } else if (f.name.size() == 9 && iequals(f.name, "x-api-key")) {
            credential = true;
            candidate = trim_ows(f.value);
        }
        if (!credential) {
            continue;
        }
        // Two credentials that disagree (two Authorization fields, or one and an x-api-key
        // with another key): which one counts would be a guess, and a proxy in front might
        // have guessed the other way.
        if (found && candidate != key) {
            return std::nullopt;
        }
        key = candidate;
        found = true;
    }
    return key;
}

auth_attempt authenticate_cached(server::worker& w,
                                 std::span<const header_view> fields,
                                 auth::key_memo& memo) {
    auth_attempt a;
    const auto presented = presented_key(fields);
    if (!presented) {
        a.outcome.ec = error::conflicting_credentials;
        return a;
    }
    const std::string_view key = *presented;
    a.outcome.key_prefix = auth::display_prefix(key);
    if (key.size() != auth::key_length || !key.starts_with(auth::key_scheme)) {
        a.outcome.ec = error::invalid_api_key;  // not a key at all: nothing hashed
        return a;
    }
    const auto& cfg = w.rt().cfg;
    a.digest = memo.digest_of(key);
    // Only a well-formed key is ever cached, so a hit needs no checksum check: the check
    // (a CRC-32, a serial chain of ~50 table loads) is paid on a miss only.
    const auto hit = w.key_cache().find(a.digest);
    if (!hit && !auth::is_well_formed_key(key)) {
        a.outcome.ec = error::invalid_api_key;  // mistyped or forged: no store lookup
        return a;
    }
    if (hit) {
        const auto ttl = hit->facts->known ? cfg.auth.cache_ttl : cfg.auth.negative_ttl;
        if (auth::key_cache::clock::now() - hit->fetched < ttl) {
            a.outcome.ec = verdict(*hit->facts);
            if (!a.outcome.ec) {
                a.outcome.facts = hit->facts;
            }
            return a;
        }
        a.stale = hit->facts;
    }
    a.needs_store = true;
    return a;
}

task<auth_outcome> authenticate_with_store(server::worker& w, auth_attempt a) {
    auto& cache = w.key_cache();
    const auto& cfg = w.rt().cfg;
    // An invalidation arriving while the store answers makes the answer unfit to cache.
    const auto generation = cache.generation();
    auto found = co_await w.store().find_key(a.digest);
    const auto now = auth::key_cache::clock::now();
    std::shared_ptr<const auth::key_facts> facts;
    if (found) {
        facts = facts_of(*found);
        cache.put_if_unchanged(generation, a.digest, facts, now);
    } else if (found.error() == error::not_found) {
        facts = std::make_shared<auth::key_facts>();
        cache.put_if_unchanged(generation, a.digest, facts, now);
    } else if (a.stale && a.stale->known) {
        facts = a.stale;  // the store is down: the stale entry serves until it answers again
    } else {
        // The store is down and this key is not known here.
        if (cfg.store.on_error == config::on_store_error::fail_closed) {
            a.outcome.ec = error::store_unavailable;
        }
        co_return a.outcome;  // fail_open: admitted, unverified
    }
    a.outcome.ec = verdict(*facts);
    if (!a.outcome.ec) {
        a.outcome.facts = std::move(facts);
    }
    co_return a.outcome;
}

error_code check_model(const auth::key_facts& facts, std::string_view model) {
    if (facts.models.empty()) {
        return {};
    }
    for (const auto& g : facts.models) {
        if (glob_match(g, model)) {
            return {};
        }
    }
    return error::model_not_allowed;
}

}  // namespace tollgate::proxy

#include "tollgate/admin/handlers.hpp"

#include "tollgate/admin/audit.hpp"
#include "tollgate/admin/consumer_filter.hpp"
#include "tollgate/admin/input.hpp"
#include "tollgate/admin/routes.hpp"
#include "tollgate/auth/api_key.hpp"
#include "tollgate/core/error.hpp"
#include "tollgate/core/rfc3339.hpp"
#include "tollgate/quota/window.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <spdlog/spdlog.h>

namespace tollgate::admin {
namespace {

using json = nlohmann::json;
using error_code = boost::system::error_code;

reply json_reply(unsigned status, const json& body) {
    return {status, body.dump(), "application/json", {}};
}

reply bad(const bad_input& b) {
    return error_reply(400, "invalid_request", b.text());
}

// A store failure as the admin client sees it.
reply failed(const error_code& ec, std::string_view what) {
    if (ec == error::not_found) {
        return error_reply(404, "not_found", std::string(what) + " not found");
    }
    if (ec == error::already_exists) {
        return error_reply(409, "already_exists", std::string(what) + " already exists");
    }
    return error_reply(
        503,
        "store_unavailable",
        "the store is unavailable (" + ec.message() + "); nothing was changed, retry later");
}

// The mint answer: the only place a key's secret ever appears.
json minted_json(const store::key_record& k, const std::string& secret) {
    json j = store::to_json(k, false);
    j["key"] = secret;
    return j;
}

store::key_record new_key_record(const std::string& consumer_id,
                                 const key_request& r,
                                 auth::minted_key& minted,
                                 std::int64_t now) {
    store::key_record k;
    k.id = minted.id;
    k.consumer_id = consumer_id;
    k.name = r.name;
    k.prefix = minted.prefix;
    k.digest = auth::to_hex(minted.digest);
    k.created_at = now;
    k.expires_at = r.expires_at;
    k.models = r.models;
    return k;
}

task<reply> create_consumer(const request& req, const config::config& cfg, store::store& st) {
    auto parsed = parse_new_consumer(req.body, cfg, unix_now());
    if (auto* b = std::get_if<bad_input>(&parsed)) {
        co_return bad(*b);
    }
    auto made = co_await st.create_consumer(std::get<store::consumer>(std::move(parsed)));
    if (!made) {
        co_return failed(made.error(), "consumer");
    }
    spdlog::info("admin: created consumer {}", made->id);
    co_return json_reply(201, store::to_json(*made));
}

task<reply> list_consumers(const request& req, store::store& st) {
    auto page = parse_page(req.target);
    if (auto* b = std::get_if<bad_input>(&page)) {
        co_return bad(*b);
    }
    auto filter = parse_consumer_filter(req.target);
    if (auto* b = std::get_if<bad_input>(&filter)) {
        co_return bad(*b);
    }
    auto [limit, cursor] = std::get<0>(std::move(page));
    const auto& f = std::get<consumer_filter>(filter);
    // Filtered: pages of the store are read until `limit` match or a bounded number of
    // consumers (100 pages' worth) was looked at; the cursor goes on from the last one seen.
    json data = json::array();
    std::string from = cursor;
    std::string next;  // where the next page starts; empty: this is the last
    std::size_t scanned = 0;
    for (bool full = false; !full;) {
        auto got = co_await st.list_consumers(from, limit);
        if (!got) {
            co_return failed(got.error(), "consumer");
        }
        for (std::size_t i = 0; i < got->items.size() && !full; ++i) {
            const auto& c = got->items[i];
            ++scanned;
            if (matches(f, c)) {
                data.push_back(store::to_json(c));
            }
            if (data.size() == limit) {
                full = true;
                const bool more = i + 1 < got->items.size() || !got->next_cursor.empty();
                next = more ? c.id : std::string();
            }
        }
        if (full) {
            break;
        }
        if (got->next_cursor.empty()) {
            next.clear();  // the end of the list
            break;
        }
        from = got->next_cursor;
        if (scanned >= 100 * limit) {
            next = from;  // bounded: the client goes on from here
            break;
        }
    }
    co_return json_reply(
        200, {{"data", data}, {"next_cursor", next.empty() ? json(nullptr) : json(next)}});
}

task<reply> update_consumer(const request& req,
                            const std::string& id,
                            const config::config& cfg,
                            store::store& st) {
    auto current = co_await st.get_consumer(id);
    if (!current) {
        co_return failed(current.error(), "consumer");
    }
    auto patched = apply_consumer_patch(req.body, *current, cfg, unix_now());
    if (auto* b = std::get_if<bad_input>(&patched)) {
        co_return bad(*b);
    }
    auto saved = co_await st.update_consumer(std::get<store::consumer>(std::move(patched)));
    if (!saved) {
        co_return failed(saved.error(), "consumer");
    }
    spdlog::info("admin: updated consumer {}{}", saved->id, saved->disabled ? " (disabled)" : "");
    co_return json_reply(200, store::to_json(*saved));
}

task<reply> mint_key(const request& req, const std::string& consumer_id, store::store& st) {
    const auto now = unix_now();
    auto parsed = parse_key_request(req.body, now);
    if (auto* b = std::get_if<bad_input>(&parsed)) {
        co_return bad(*b);
    }
    auto minted = auth::mint_key();
    auto added = co_await st.add_key(
        new_key_record(consumer_id, std::get<key_request>(parsed), minted, now));
    if (!added) {
        co_return failed(added.error(), "consumer");
    }
    spdlog::info(
        "admin: minted key {} ({}) for consumer {}", added->id, added->prefix, consumer_id);
    co_return json_reply(201, minted_json(*added, minted.secret));
}

task<reply> list_keys(const std::string& consumer_id, store::store& st) {
    auto keys = co_await st.list_keys(consumer_id);
    if (!keys) {
        co_return failed(keys.error(), "consumer");
    }
    json data = json::array();
    for (const auto& k : *keys) {
        data.push_back(store::to_json(k, false));
    }
    co_return json_reply(200, {{"data", data}});
}

task<reply> rotate_key(const request& req, const std::string& key_id, store::store& st) {
    auto grace = parse_rotate_request(req.body);
    if (auto* b = std::get_if<bad_input>(&grace)) {
        co_return bad(*b);
    }
    auto old = co_await st.get_key(key_id);
    if (!old) {
        co_return failed(old.error(), "key");
    }
    const auto now = unix_now();
    // The successor inherits what the old key was for.
    const key_request same{old->name, old->expires_at, old->models};
    auto minted = auth::mint_key();
    const std::int64_t old_until = now + std::get<std::int64_t>(grace);
    auto rotated = co_await st.rotate_key(
        key_id, new_key_record(old->consumer_id, same, minted, now), old_until);
    if (!rotated) {
        co_return failed(rotated.error(), "key");
    }
    json j = minted_json(*rotated, minted.secret);
    j["replaces"] = key_id;
    const auto old_end = old->expires_at ? std::min(*old->expires_at, old_until) : old_until;
    j["replaced_key_expires_at"] = format_rfc3339(old_end);
    spdlog::info("admin: rotated key {} -> {} ({}), old key valid until {}",
                 key_id,
                 rotated->id,
                 rotated->prefix,
                 format_rfc3339(old_end));
    co_return json_reply(201, j);
}

// A metric's amount as the API shows it: tokens and requests as integers, money in USD.
json shown(config::metric m, std::int64_t amount) {
    if (m == config::metric::cost_usd) {
        return static_cast<double>(amount) / static_cast<double>(quota::pico_per_usd);
    }
    return amount;
}

task<reply> usage(const std::string& id, const config::config& cfg, store::store& st) {
    auto c = co_await st.get_consumer(id);
    if (!c) {
        co_return failed(c.error(), "consumer");
    }
    const auto limits = quota::limits_of(cfg, c->plan, c->limits);
    auto buckets = co_await st.usage(id, limits);
    if (!buckets) {
        co_return failed(buckets.error(), "consumer");
    }
    const auto& [state, now] = *buckets;
    json windows = json::array();
    for (std::size_t i = 0; i < limits.size() && i < state.size(); ++i) {
        const auto& l = limits[i];
        const std::int64_t ceiling = quota::ceiling_of(l);
        const std::int64_t left =
            std::max<std::int64_t>(0, ceiling - state[i].used - state[i].reserved);
        json w{{"window", quota::window_name(l.per)},
               {"metric", quota::metric_name(l.what)},
               {"limit", shown(l.what, ceiling)},
               {"used", shown(l.what, state[i].used)},
               {"reserved", shown(l.what, state[i].reserved)},
               {"remaining", shown(l.what, left)},
               {"resets_at", format_rfc3339(quota::window_at(l.per, now).end)}};
        if (!l.models.empty()) {
            w["models"] = l.models;
        }
        windows.push_back(std::move(w));
    }
    co_return json_reply(200, {{"consumer", id}, {"windows", windows}});
}

// A credit or a correction: added to the consumer's usage in the windows current at its time,
// once per adjustment id (a replay changes nothing and says so), logged.
task<reply> adjust_usage(const request& req,
                         const std::string& id,
                         const config::config& cfg,
                         store::store& st) {
    auto parsed = parse_usage_adjustment(req.body);
    if (auto* b = std::get_if<bad_input>(&parsed)) {
        co_return bad(*b);
    }
    const auto& a = std::get<usage_adjustment>(parsed);
    auto c = co_await st.get_consumer(id);
    if (!c) {
        co_return failed(c.error(), "consumer");
    }
    auto limits = quota::limits_of(cfg, c->plan, c->limits);
    if (!a.model.empty()) {
        std::erase_if(limits, [&](const config::limit& l) { return !quota::applies(l, a.model); });
    }
    if (limits.empty()) {
        co_return bad(bad_input{a.model.empty() ? "" : "model",
                                "no limit of this consumer applies: nothing to adjust"});
    }
    const std::int64_t at = a.at.value_or(unix_now());
    auto applied = co_await st.charge(id, "adjust:" + a.id, limits, at, a.amounts);
    if (!applied) {
        co_return failed(applied.error(), "consumer");
    }
    const double usd =
        static_cast<double>(a.amounts.cost) / static_cast<double>(quota::pico_per_usd);
    if (*applied) {
        spdlog::info(
            "admin: usage adjustment {} for consumer {} at {}: prompt_tokens {:+} "
            "completion_tokens {:+} requests {:+} cost_usd {:+.9f}{}{}",
            a.id,
            id,
            format_rfc3339(at),
            a.amounts.prompt_tokens,
            a.amounts.completion_tokens,
            a.amounts.requests,
            usd,
            a.reason.empty() ? "" : "; reason: ",
            a.reason);
    }
    co_return json_reply(*applied ? 201 : 200,
                         {{"id", a.id},
                          {"consumer", id},
                          {"applied", *applied},
                          {"at", format_rfc3339(at)},
                          {"prompt_tokens", a.amounts.prompt_tokens},
                          {"completion_tokens", a.amounts.completion_tokens},
                          {"requests", a.amounts.requests},
                          {"cost_usd", usd}});
}

task<reply> readyz(store::store& st) {
    auto ok = co_await st.ping();
    if (!ok) {
        co_return error_reply(503, "store_unavailable", "the store is unavailable");
    }
    co_return json_reply(200, {{"status", "ready"}});
}

task<reply> dispatch(const request& req,
                     route r,
                     const std::vector<std::string>& params,
                     const config::config& cfg,
                     store::store& st) {
    const std::string id = params.empty() ? std::string() : params[0];
    if (!params.empty() && !is_valid_id(id)) {
        co_return error_reply(
            400, "invalid_request", "id: must be 1 to 128 characters of A-Z a-z 0-9 . _ : @ -");
    }
    switch (r) {
        case route::healthz:
            co_return json_reply(200, {{"status", "ok"}});
        case route::readyz:
            co_return co_await readyz(st);
        case route::metrics:
            co_return error_reply(404, "not_found", "no metrics on this listener");
        case route::usage:
            co_return co_await usage(id, cfg, st);
        case route::adjust_usage:
            co_return co_await adjust_usage(req, id, cfg, st);
        case route::create_consumer:
            co_return co_await create_consumer(req, cfg, st);
        case route::list_consumers:
            co_return co_await list_consumers(req, st);
        case route::get_consumer: {
            auto c = co_await st.get_consumer(id);
            co_return c ? json_reply(200, store::to_json(*c)) : failed(c.error(), "consumer");
        }
        case route::update_consumer:
            co_return co_await update_consumer(req, id, cfg, st);
        case route::delete_consumer: {
            auto done = co_await st.delete_consumer(id);
            if (done) {
                spdlog::info("admin: deleted consumer {} and its keys", id);
            }
            co_return done ? reply{204, "", "application/json", {}}
                           : failed(done.error(), "consumer");
        }
        case route::mint_key:
            co_return co_await mint_key(req, id, st);
        case route::list_keys:
            co_return co_await list_keys(id, st);
        case route::get_key: {
            auto key = co_await st.get_key(id);
            if (!key) {
                co_return failed(key.error(), "key");
            }
            co_return json_reply(200, store::to_json(*key, false));
        }
        case route::revoke_key: {
            auto done = co_await st.revoke_key(id);
            if (done) {
                spdlog::info("admin: revoked key {}", id);
            }
            co_return done ? reply{204, "", "application/json", {}} : failed(done.error(), "key");
        }
        case route::rotate_key:
            co_return co_await rotate_key(req, id, st);
    }
    co_return error_reply(404, "not_found", "no such route");
}

}  // namespace

reply error_reply(unsigned status, std::string_view code, std::string_view message) {
    return json_reply(status, {{"error", {{"message", message}, {"code", code}}}});
}

namespace {

// The request path without its query string.
std::string_view path_only(std::string_view target) noexcept {
    return target.substr(0, target.find('?'));
}

task<reply> answer(const request& req,
                   const match_result& m,
                   const std::optional<admin_caller>& who,
                   const config::config& cfg,
                   store::store& st,
                   const metrics_text& metrics) {
    if (!m.found) {
        if (!m.path_known) {
            co_return error_reply(404, "not_found", "no such route");
        }
        reply r = error_reply(405, "method_not_allowed", "this path does not take this method");
        r.allow = m.allow;
        co_return r;
    }
    const bool probe = *m.found == route::healthz || *m.found == route::readyz;
    const bool scrape = *m.found == route::metrics;
    const bool unguarded = cfg.admin.token.empty() && cfg.admin.token_explicitly_empty;
    const bool open = (probe && cfg.admin.open_probes) || (scrape && cfg.metrics.open) || unguarded;
    if (!open && !who) {
        co_return error_reply(
            401, "unauthorized", "missing or wrong admin token (Authorization: Bearer ...)");
    }
    if (!unguarded && who && !who->write && req.method != "GET") {
        co_return error_reply(
            403,
            "forbidden",
            "admin token '" + std::string(who->name) + "' has scope read: it may only GET");
    }
    if (scrape && metrics) {
        co_return reply{200, metrics(), "text/plain; version=0.0.4; charset=utf-8", {}};
    }
    co_return co_await dispatch(req, *m.found, m.params, cfg, st);
}

}  // namespace

task<reply> handle(const request& req,
                   const config::config& cfg,
                   store::store& st,
                   const metrics_text& metrics,
                   audit_log* audit) {
    const auto m = match(req.method, req.target);
    const bool change = req.method != "GET" && req.method != "HEAD";
    const std::optional<admin_caller> who =
        m.found ? identify(req.authorization, cfg.admin) : std::nullopt;
    reply r = co_await answer(req, m, who, cfg, st, metrics);
    if (audit && change && m.found) {
        const auto ids = audit_targets(m.params, r.status, r.body);
        audit->append({who ? who->name : std::string_view(),
                       name_of(*m.found),
                       req.method,
                       path_only(req.target),
                       ids,
                       r.status});
    }
    co_return r;
}

}  // namespace tollgate::admin

#include "redis_quota.hpp"

#include "redis_commands.hpp"
#include "redis_quota_scripts.hpp"
#include "tollgate/core/rfc3339.hpp"
#include "tollgate/quota/ledger.hpp"
#include "tollgate/quota/window.hpp"

#include <optional>

#include <openssl/evp.h>

namespace tollgate::store::redis_quota {
namespace {

// A script sent by its SHA1 (EVALSHA): the text crosses the wire and is hashed by Redis only
// when Redis does not know it yet.
struct lua_script {
    explicit lua_script(const char* t) : text(t), sha(sha1_hex(t)) {}
    static std::string sha1_hex(std::string_view s) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_Digest(s.data(), s.size(), md, &len, EVP_sha1(), nullptr);
        static constexpr char hex[] = "0123456789abcdef";
        std::string out;
        for (unsigned int i = 0; i < len; ++i) {
            out += hex[md[i] >> 4];
            out += hex[md[i] & 15];
        }
        return out;
    }
    const char* text;
    std::string sha;
};
const lua_script settle_many_lua(settle_many_script);
const lua_script reserve_many_lua(reserve_many_script);
const lua_script charge_lua(charge_script);
const lua_script usage_lua(usage_script);

command script_call(const lua_script& s,
                    std::vector<std::string> keys,
                    std::vector<std::string> args) {
    command c{"EVALSHA", s.sha, std::to_string(keys.size())};
    c.insert(c.end(), keys.begin(), keys.end());
    c.insert(c.end(), args.begin(), args.end());
    return c;
}

// Runs a script_call(); on NOSCRIPT (a restarted or flushed Redis) sends it again as EVAL,
// which also makes Redis remember it for the next EVALSHA.
task<result<value>> run_script(redis::connection& c, const lua_script& s, command call) {
    auto v = co_await c.run(call);
    if (v && v->is_error() && v->str.starts_with("NOSCRIPT")) {
        call[0] = "EVAL";
        call[1] = s.text;
        v = co_await c.run(std::move(call));
    }
    co_return v;
}

std::string bucket_key(const std::string& cid, const config::limit& l, std::int64_t start) {
    return "tg:{" + cid + "}:q:" + quota::limit_id(l) + ":" + std::to_string(start);
}

int metric_code(config::metric m) {
    switch (m) {
        case config::metric::tokens:
            return 0;
        case config::metric::prompt_tokens:
            return 1;
        case config::metric::completion_tokens:
            return 2;
        case config::metric::requests:
            return 3;
        case config::metric::cost_usd:
            return 4;
    }
    return 0;
}

// Appends one reservation's keys and arguments (reserve_many_script's layout) for the windows
// current at `t`.
void append_reservation(const reservation_request& r,
                        const std::vector<config::limit>& limits,
                        std::int64_t t,
                        std::vector<std::string>& keys,
                        std::vector<std::string>& args) {
    args.insert(args.end(),
                {r.request_id,
                 std::to_string(r.ttl_seconds),
                 std::to_string(r.prompt_tokens),
                 std::to_string(r.completion_tokens.value_or(-1)),
                 r.clamp ? "1" : "0",
                 std::to_string(r.completion_cap),
                 std::to_string(r.price.input),
                 std::to_string(r.price.output),
                 std::to_string(std::max<std::int64_t>(1, r.lease.requests)),
                 std::to_string(std::max<std::int64_t>(1, r.lease.share)),
                 std::to_string(limits.size())});
    for (const auto& l : limits) {
        const auto w = quota::window_at(l.per, t);
        keys.push_back(bucket_key(r.consumer, l, w.start));
        args.push_back(std::to_string(metric_code(l.what)));
        args.push_back(std::to_string(quota::ceiling_of(l)));
        args.push_back(std::to_string(w.start));
        args.push_back(std::to_string(w.end));
    }
}

// The script's answer as a reservation_result over `limits` (the applicable ones).
std::optional<reservation_result> read_reservation(const value& v,
                                                   const std::vector<config::limit>& limits) {
    if (v.type != value::kind::array || v.elements.size() < 4) {
        return std::nullopt;
    }
    reservation_result out;
    const auto status = v.elements[0].integer;
    out.now = v.elements[1].integer;
    out.completion_tokens = v.elements[3].integer;
    for (const auto& l : limits) {
        out.resets_at.push_back(quota::window_at(l.per, out.now).end);
    }
    if (status == 0) {
        out.blocking = static_cast<std::size_t>(v.elements[2].integer);
        out.retry_after = out.resets_at.at(out.blocking) - out.now;
        return out;
    }
    out.fits = true;
    for (std::size_t i = 0; i < limits.size() && 5 + 2 * i < v.elements.size(); ++i) {
        out.after.push_back({v.elements[4 + 2 * i].integer, v.elements[5 + 2 * i].integer});
    }
    if (const auto at = 4 + 2 * limits.size(); at < v.elements.size()) {
        out.lease = std::max<std::int64_t>(1, v.elements[at].integer);
    }
    return out;
}

}  // namespace

namespace {

reservation_result nothing_limits(const reservation_request& r) {
    reservation_result out;
    out.fits = true;
    out.now = unix_now();
    out.completion_tokens = r.completion_tokens.value_or(r.completion_cap);
    return out;
}

// One item's answer from either script: the result, or nullopt for "windows moved" (retry
// with Redis's time, in `t`).
std::optional<result<reservation_result>> read_answer(const value& v,
                                                      const std::vector<config::limit>& limits,
                                                      std::int64_t& t) {
    if (v.is_error() || v.type != value::kind::array || v.elements.size() < 2) {
        return result<reservation_result>(reply_error(v, "reserve"));
    }
    const auto status = v.elements[0].integer;
    if (status == -1) {  // our clock and Redis's disagree on the window: use Redis's
        t = v.elements[1].integer;
        return std::nullopt;
    }
    if (status == -2) {
        reservation_result dup;
        dup.now = v.elements[1].integer;
        return result<reservation_result>(std::move(dup));  // a request id reserves once
    }
    auto out = read_reservation(v, limits);
    if (!out) {
        return result<reservation_result>(reply_error(v, "reserve"));
    }
    return result<reservation_result>(std::move(*out));
}

}  // namespace

namespace {

// One reserve_many call for items `which` at our idea of the time `t`. Fills their answers;
// leaves an answer empty where the windows turned (then `t` is Redis's time).
task<void> reserve_at(redis::connection& c,
                      const std::vector<reservation_request>& items,
                      const std::vector<std::vector<config::limit>>& limits,
                      const std::vector<std::size_t>& which,
                      std::int64_t& t,
                      std::vector<std::optional<result<reservation_result>>>& answers) {
    std::vector<std::string> keys;
    std::vector<std::string> args{std::to_string(which.size())};
    for (const std::size_t i : which) {
        append_reservation(items[i], limits[i], t, keys, args);
    }
    auto v = co_await run_script(
        c, reserve_many_lua, script_call(reserve_many_lua, std::move(keys), std::move(args)));
    for (std::size_t j = 0; j < which.size(); ++j) {
        auto& answer = answers[which[j]];
        if (!v) {
            answer = result<reservation_result>(v.error());
        } else if (v->type != value::kind::array || v->elements.size() != which.size()) {
            answer = result<reservation_result>(reply_error(*v, "reserve"));
        } else {
            answer = read_answer(v->elements[j], limits[which[j]], t);
        }
    }
}

}  // namespace

std::vector<config::limit> applicable(const std::vector<config::limit>& limits,
                                      std::string_view model) {
    std::vector<config::limit> out;
    for (const auto& l : limits) {
        if (quota::applies(l, model)) {
            out.push_back(l);
        }
    }
    return out;
}

task<std::vector<result<reservation_result>>> reserve_batch(
    std::shared_ptr<redis::connection> c, std::vector<reservation_request> items) {
    std::vector<std::optional<result<reservation_result>>> answers(items.size());
    std::vector<std::vector<config::limit>> limits(items.size());
    std::vector<std::size_t> which;  // the items that need Redis
    for (std::size_t i = 0; i < items.size(); ++i) {
        limits[i] = applicable(items[i].limits, items[i].model);
        if (limits[i].empty()) {
            answers[i] = nothing_limits(items[i]);
        } else {
            which.push_back(i);
        }
    }
    std::int64_t t = unix_now();
    for (int attempt = 0; attempt < 3 && !which.empty(); ++attempt) {
        co_await reserve_at(*c, items, limits, which, t, answers);
        // A window turned between our clock and Redis's: those again, at Redis's time.
        std::erase_if(which, [&answers](std::size_t i) { return answers[i].has_value(); });
    }
    std::vector<result<reservation_result>> out;
    out.reserve(items.size());
    for (auto& answer : answers) {
        out.push_back(answer ? std::move(*answer)
                             : result<reservation_result>(error::store_unavailable));
    }
    co_return out;
}

task<std::vector<result<bool>>> settle_batch(std::shared_ptr<redis::connection> c,
                                             std::vector<settlement> items) {
    const auto done = co_await settle_many(*c, items);
    std::vector<result<bool>> out;
    out.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (done) {
            out.emplace_back(static_cast<bool>((*done)[i]));
        } else {
            out.emplace_back(boost::system::in_place_error, done.error());
        }
    }
    co_return out;
}

task<result<std::vector<bool>>> settle_many(redis::connection& c,
                                            const std::vector<settlement>& items) {
    std::vector<std::string> keys;
    std::vector<std::string> args{std::to_string(items.size())};
    for (const auto& it : items) {
        args.push_back(it.request_id);
        args.push_back(std::to_string(it.limits.size()));
        for (const auto& l : it.limits) {
            keys.push_back(
                bucket_key(it.consumer, l, quota::window_at(l.per, it.reserved_at).start));
            args.push_back(std::to_string(quota::amount_of(it.actual, l.what)));
        }
    }
    auto v = co_await run_script(
        c, settle_many_lua, script_call(settle_many_lua, std::move(keys), std::move(args)));
    if (!v) {
        co_return v.error();
    }
    if (v->type != value::kind::array || v->elements.size() != items.size()) {
        co_return reply_error(*v, "settle");
    }
    std::vector<bool> done;
    done.reserve(items.size());
    for (const auto& e : v->elements) {
        done.push_back(e.integer == 1);
    }
    co_return done;
}

task<result<bool>> charge(redis::connection& c,
                          std::string consumer,
                          std::string request_id,
                          std::vector<config::limit> limits,
                          std::int64_t at,
                          quota::amounts actual) {
    std::vector<std::string> keys;
    std::vector<std::string> args{request_id};
    for (const auto& l : limits) {
        const auto w = quota::window_at(l.per, at);
        keys.push_back(bucket_key(consumer, l, w.start));
        args.push_back(std::to_string(quota::amount_of(actual, l.what)));
        args.push_back(std::to_string(w.end));
    }
    if (keys.empty()) {
        co_return false;
    }
    auto v = co_await run_script(
        c, charge_lua, script_call(charge_lua, std::move(keys), std::move(args)));
    if (!v) {
        co_return result<bool>(boost::system::in_place_error, v.error());
    }
    if (v->type != value::kind::integer) {
        co_return result<bool>(boost::system::in_place_error, reply_error(*v, "charge"));
    }
    co_return v->integer == 1;
}

task<result<std::pair<std::vector<quota::bucket>, std::int64_t>>> usage(
    redis::connection& c, std::string consumer, std::vector<config::limit> limits) {
    std::int64_t t = unix_now();
    if (limits.empty()) {
        co_return std::pair{std::vector<quota::bucket>{}, t};
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
        std::vector<std::string> keys;
        std::vector<std::string> args;
        for (const auto& l : limits) {
            const auto w = quota::window_at(l.per, t);
            keys.push_back(bucket_key(consumer, l, w.start));
            args.push_back(std::to_string(w.start));
            args.push_back(std::to_string(w.end));
        }
        auto v = co_await run_script(
            c, usage_lua, script_call(usage_lua, std::move(keys), std::move(args)));
        if (!v) {
            co_return v.error();
        }
        if (v->type != value::kind::array || v->elements.empty()) {
            co_return reply_error(*v, "usage");
        }
        if (v->elements[0].integer == -1) {
            t = v->elements[1].integer;
            continue;
        }
        std::vector<quota::bucket> out;
        for (std::size_t i = 0; i < limits.size(); ++i) {
            out.push_back({v->elements.at(1 + 2 * i).integer, v->elements.at(2 + 2 * i).integer});
        }
        co_return std::pair{std::move(out), v->elements[0].integer};
    }
    co_return error::store_unavailable;
}

}  // namespace tollgate::store::redis_quota

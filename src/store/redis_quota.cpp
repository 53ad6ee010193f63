#include "redis_quota.hpp"

#include "redis_commands.hpp"
#include "tollgate/core/rfc3339.hpp"
#include "tollgate/quota/ledger.hpp"
#include "tollgate/quota/window.hpp"

#include <optional>

#include <openssl/evp.h>

namespace tollgate::store::redis_quota {
namespace {

// Charges the overdue reservations of bucket `key` in full. The field `due` holds a time
// no later than the earliest deadline in the bucket, so the full scan (HGETALL, as long as
// the reservations in flight) runs only when one may be overdue: about once per
// reservation_ttl, not on every call.
#define TG_SWEEP_LUA                                                                         \
    "local function sweep(key)\n"                                                            \
    "  local due = redis.call('HGET', key, 'due')\n"                                         \
    "  if due and tonumber(due) > t then return end\n"                                       \
    "  local f = redis.call('HGETALL', key)\n"                                               \
    "  local next_due = nil\n"                                                               \
    "  for j = 1, #f, 2 do\n"                                                                \
    "    if string.sub(f[j], 1, 2) == 'd:' then\n"                                           \
    "      local d = tonumber(f[j + 1])\n"                                                   \
    "      if d <= t then\n"                                                                 \
    "        local id = string.sub(f[j], 3)\n"                                               \
    "        local held = redis.call('HGET', key, 'r:' .. id) or '0'\n"                      \
    "        redis.call('HINCRBY', key, 'reserved', string.format('%d', -tonumber(held)))\n" \
    "        redis.call('HINCRBY', key, 'used', held)\n"                                     \
    "        redis.call('HDEL', key, 'r:' .. id, 'd:' .. id)\n"                              \
    "      elseif next_due == nil or d < next_due then\n"                                    \
    "        next_due = d\n"                                                                 \
    "      end\n"                                                                            \
    "    end\n"                                                                              \
    "  end\n"                                                                                \
    "  if next_due then redis.call('HSET', key, 'due', next_due)\n"                          \
    "  else redis.call('HDEL', key, 'due') end\n"                                            \
    "end\n"

// One HMGET reads a bucket's counters, the request's reservation (a duplicate id) and `due`
// (whether a sweep is needed); the key's expiry is set once, when the bucket is created.
// Counters change only by HINCRBY, so they stay exact 64-bit integers whatever Lua's
// doubles can hold.
// ARGV: request id, ttl, prompt, wanted completion (-1: none), clamp (0/1), cap, price in,
// price out, n, then per limit: metric (0 tokens, 1 prompt, 2 completion, 3 requests,
// 4 cost), ceiling, window start, window end.
// Returns {-1, t} (windows moved), {-2, t} (duplicate request id), {0, t, blocking, grant}
// (does not fit), or {1, t, 0, grant, used1, reserved1, used2, reserved2, ...}.
inline constexpr const char* reserve_script = R"LUA(
local t = tonumber(redis.call('TIME')[1])
local n = tonumber(ARGV[9])
local function arg(i, k) return tonumber(ARGV[9 + (i - 1) * 4 + k]) end
for i = 1, n do
  if t < arg(i, 3) or t >= arg(i, 4) then return {-1, t} end
end
)LUA" TG_SWEEP_LUA R"LUA(
local rid = ARGV[1]
local used, res, due, fresh = {}, {}, {}, {}
for i = 1, n do
  local v = redis.call('HMGET', KEYS[i], 'used', 'reserved', 'r:' .. rid, 'due')
  if v[3] then return {-2, t} end
  if v[4] and tonumber(v[4]) <= t then
    sweep(KEYS[i])
    v = redis.call('HMGET', KEYS[i], 'used', 'reserved', 'r:' .. rid, 'due')
  end
  fresh[i] = not v[1] and not v[2]
  used[i] = tonumber(v[1] or '0')
  res[i] = tonumber(v[2] or '0')
  due[i] = v[4] and tonumber(v[4])
end
local prompt, wanted, clamp = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5] == '1'
local cap, pin, pout = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local grant = wanted
if wanted < 0 or clamp then
  local afford = nil
  for i = 1, n do
    local m, left = arg(i, 1), arg(i, 2) - used[i] - res[i]
    local a = nil
    if m == 0 then a = left - prompt
    elseif m == 2 then a = left
    elseif m == 4 and pout > 0 then
      local after = left - prompt * pin
      if after < 0 then a = 0 else a = math.floor(after / pout) end
    end
    if a ~= nil then
      if a < 0 then a = 0 end
      if afford == nil or a < afford then afford = a end
    end
  end
  if wanted < 0 then grant = cap end
  if afford ~= nil and afford < grant then grant = afford end
  if grant < 1 then grant = 1 end
end
local amount = {[0] = prompt + grant, [1] = prompt, [2] = grant, [3] = 1,
                [4] = prompt * pin + grant * pout}
for i = 1, n do
  if amount[arg(i, 1)] > arg(i, 2) - used[i] - res[i] then return {0, t, i - 1, grant} end
end
local deadline = t + tonumber(ARGV[2])
local out = {1, t, 0, grant}
for i = 1, n do
  local held = string.format('%d', amount[arg(i, 1)])
  redis.call('HINCRBY', KEYS[i], 'reserved', held)
  if not due[i] or due[i] > deadline then
    redis.call('HSET', KEYS[i], 'r:' .. rid, held, 'd:' .. rid, deadline, 'due', deadline)
  else
    redis.call('HSET', KEYS[i], 'r:' .. rid, held, 'd:' .. rid, deadline)
  end
  if fresh[i] then redis.call('EXPIREAT', KEYS[i], arg(i, 4) + tonumber(ARGV[2]) + 86400) end
  out[#out + 1] = used[i]
  out[#out + 1] = res[i] + amount[arg(i, 1)]
end
return out
)LUA";

// Several reservations in one call (the worker coalesces those that arrive while one call
// is in flight), each decided in order by the single script's rules. ARGV: the number of
// items, then each item's arguments as reserve_script takes them; KEYS: every item's
// buckets, in item order. One HMGET per distinct bucket (counters, `due`, and every item's
// r: field for the duplicate check), then per bucket one HINCRBY of `reserved`, one HSET of
// the new reservations (and `due`) and, for a new bucket, one EXPIREAT. Returns one array
// per item, shaped as reserve_script's answer.
inline constexpr const char* reserve_many_script = R"LUA(
local t = tonumber(redis.call('TIME')[1])
)LUA" TG_SWEEP_LUA R"LUA(
local count = tonumber(ARGV[1])
-- Flat arrays and scratch tables reused across items: Lua's allocations and garbage
-- collection, not the Redis commands, are most of this script's cost.
local B, KB, N, R, D = {}, {}, {}, {}, {}
local state, order = {}, {}
local a, kp = 2, 1
for i = 1, count do
  local n = tonumber(ARGV[a + 8])
  B[i], KB[i], N[i] = a, kp, n
  R[i], D[i] = 'r:' .. ARGV[a], 'd:' .. ARGV[a]
  for l = 0, n - 1 do
    local key = KEYS[kp + l]
    local s = state[key]
    if not s then
      s = {rids = {}}
      state[key] = s
      order[#order + 1] = key
    end
    s.rids[#s.rids + 1] = R[i]
  end
  a = a + 9 + 4 * n
  kp = kp + n
end
for _, key in ipairs(order) do
  local s = state[key]
  local v = redis.call('HMGET', key, 'used', 'reserved', 'due', unpack(s.rids))
  if v[3] and tonumber(v[3]) <= t then
    sweep(key)
    v = redis.call('HMGET', key, 'used', 'reserved', 'due', unpack(s.rids))
  end
  s.fresh = not v[1] and not v[2]
  s.used = tonumber(v[1] or '0')
  s.res = tonumber(v[2] or '0')
  s.due = v[3] and tonumber(v[3])
  s.held = {}
  for j = 1, #s.rids do
    if v[3 + j] then s.held[s.rids[j]] = true end
  end
  s.delta, s.fields, s.expire, s.due_changed = 0, {}, 0, false
end
local M, C, WE, S, AMT = {}, {}, {}, {}, {}
local out = {}
for i = 1, count do
  local b, kb, n, rkey = B[i], KB[i], N[i], R[i]
  local answer = nil
  for l = 1, n do
    local at = b + 8 + (l - 1) * 4
    M[l], C[l] = tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
    WE[l] = tonumber(ARGV[at + 4])
    S[l] = state[KEYS[kb + l - 1]]
    if t < tonumber(ARGV[at + 3]) or t >= WE[l] then answer = {-1, t} end
    if S[l].held[rkey] and not answer then answer = {-2, t} end
  end
  if not answer then
    local ttl, prompt, wanted = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3])
    local cap, pin, pout = tonumber(ARGV[b + 5]), tonumber(ARGV[b + 6]), tonumber(ARGV[b + 7])
    local grant = wanted
    if wanted < 0 or ARGV[b + 4] == '1' then
      local afford = nil
      for l = 1, n do
        local m, left = M[l], C[l] - S[l].used - S[l].res
        local x = nil
        if m == 0 then x = left - prompt
        elseif m == 2 then x = left
        elseif m == 4 and pout > 0 then
          local after = left - prompt * pin
          if after < 0 then x = 0 else x = math.floor(after / pout) end
        end
        if x ~= nil then
          if x < 0 then x = 0 end
          if afford == nil or x < afford then afford = x end
        end
      end
      if wanted < 0 then grant = cap end
      if afford ~= nil and afford < grant then grant = afford end
      if grant < 1 then grant = 1 end
    end
    for l = 1, n do
      local m = M[l]
      local amt
      if m == 0 then amt = prompt + grant
      elseif m == 1 then amt = prompt
      elseif m == 2 then amt = grant
      elseif m == 3 then amt = 1
      else amt = prompt * pin + grant * pout end
      AMT[l] = amt
      if amt > C[l] - S[l].used - S[l].res and not answer then answer = {0, t, l - 1, grant} end
    end
    if not answer then
      local deadline = t + ttl
      answer = {1, t, 0, grant}
      for l = 1, n do
        local s = S[l]
        local held = AMT[l]
        s.res = s.res + held
        s.delta = s.delta + held
        s.held[rkey] = true
        local f = s.fields
        local k = #f
        f[k + 1], f[k + 2], f[k + 3], f[k + 4] = rkey, string.format('%d', held), D[i], deadline
        if not s.due or s.due > deadline then
          s.due = deadline
          s.due_changed = true
        end
        local expire = WE[l] + ttl + 86400
        if expire > s.expire then s.expire = expire end
        answer[3 + 2 * l] = s.used
        answer[4 + 2 * l] = s.res
      end
    end
  end
  out[i] = answer
end
for _, key in ipairs(order) do
  local s = state[key]
  if #s.fields > 0 then
    redis.call('HINCRBY', key, 'reserved', string.format('%d', s.delta))
    if s.due_changed then
      s.fields[#s.fields + 1] = 'due'
      s.fields[#s.fields + 1] = s.due
    end
    redis.call('HSET', key, unpack(s.fields))
    if s.fresh then redis.call('EXPIREAT', key, s.expire) end
  end
end
return out
)LUA";

// KEYS: the buckets of the reservation's windows. ARGV: request id, then the actual amount
// for each key. Returns 1 when the reservation was there (and is now settled), else 0. A
// reservation past its deadline is charged in full in every bucket (as a sweep would have),
// never partly settled.
inline constexpr const char* settle_script = R"LUA(
local t = tonumber(redis.call('TIME')[1])
local rid, done, expired = ARGV[1], 0, false
local rows = {}
for i = 1, #KEYS do
  rows[i] = redis.call('HMGET', KEYS[i], 'r:' .. rid, 'd:' .. rid)
  if rows[i][2] and tonumber(rows[i][2]) <= t then expired = true end
end
for i = 1, #KEYS do
  local held = rows[i][1]
  if held then
    redis.call('HINCRBY', KEYS[i], 'reserved', string.format('%d', -tonumber(held)))
    if expired then
      redis.call('HINCRBY', KEYS[i], 'used', held)
    else
      redis.call('HINCRBY', KEYS[i], 'used', ARGV[i + 1])
      done = 1
    end
    redis.call('HDEL', KEYS[i], 'r:' .. rid, 'd:' .. rid)
  end
end
return done
)LUA";

// Settles several reservations in one call (the worker coalesces the settlements that
// arrive while one call is in flight). ARGV: the number of items, then per item its
// request id, its number of keys k and k actual amounts; KEYS: every item's buckets, in item
// order. One HMGET per distinct bucket reads every reservation of the batch; then per bucket
// one HINCRBY of `reserved`, one of `used` and one HDEL, whatever the batch's size. Each
// item follows the single settle's rules (expired: charged in full, never partly settled).
// A request id settled twice in one batch is settled once. Returns {done1, done2, ...}.
inline constexpr const char* settle_many_script = R"LUA(
local t = tonumber(redis.call('TIME')[1])
local n = tonumber(ARGV[1])
local a, kp = 2, 1
local items, fields, order = {}, {}, {}
for i = 1, n do
  local it = {rid = ARGV[a], keys = {}, amounts = {}}
  local k = tonumber(ARGV[a + 1])
  a = a + 2
  for j = 1, k do
    local key = KEYS[kp]
    kp = kp + 1
    it.keys[j] = key
    it.amounts[j] = tonumber(ARGV[a])
    a = a + 1
    if not fields[key] then
      fields[key] = {}
      order[#order + 1] = key
    end
    local f = fields[key]
    f[#f + 1] = 'r:' .. it.rid
    f[#f + 1] = 'd:' .. it.rid
  end
  items[i] = it
end
local held = {}
for _, key in ipairs(order) do
  local f = fields[key]
  local v = redis.call('HMGET', key, unpack(f))
  local m = {}
  for j = 1, #f do m[f[j]] = v[j] end
  held[key] = m
end
local out, dres, dused, dels = {}, {}, {}, {}
for i = 1, n do
  local it = items[i]
  local expired = false
  for _, key in ipairs(it.keys) do
    local d = held[key]['d:' .. it.rid]
    if d and tonumber(d) <= t then expired = true end
  end
  out[i] = 0
  for j, key in ipairs(it.keys) do
    local h = held[key]['r:' .. it.rid]
    if h then
      h = tonumber(h)
      held[key]['r:' .. it.rid] = false
      dres[key] = (dres[key] or 0) - h
      if expired then
        dused[key] = (dused[key] or 0) + h
      else
        dused[key] = (dused[key] or 0) + it.amounts[j]
        out[i] = 1
      end
      local d = dels[key] or {}
      d[#d + 1] = 'r:' .. it.rid
      d[#d + 1] = 'd:' .. it.rid
      dels[key] = d
    end
  end
end
for _, key in ipairs(order) do
  if dels[key] then
    redis.call('HINCRBY', key, 'reserved', string.format('%d', dres[key]))
    redis.call('HINCRBY', key, 'used', string.format('%d', dused[key]))
    redis.call('HDEL', key, unpack(dels[key]))
  end
end
return out
)LUA";

// A request served without a reservation (fail_open), charged once per request id.
// KEYS: the buckets of the windows at its time. ARGV: request id, then per key the amount
// and the window's end. Returns 1, or 0 when this id was charged before (a replay).
inline constexpr const char* charge_script = R"LUA(
if redis.call('HSETNX', KEYS[1], 'c:' .. ARGV[1], '1') == 0 then return 0 end
for i = 1, #KEYS do
  redis.call('HINCRBY', KEYS[i], 'used', ARGV[2 * i])
  redis.call('EXPIREAT', KEYS[i], tonumber(ARGV[2 * i + 1]) + 86400)
end
return 1
)LUA";

// KEYS: the buckets of the current windows. ARGV: per key, window start and end. Charges
// overdue reservations, then returns {t, used1, reserved1, ...} or {-1, t} (windows moved).
inline constexpr const char* usage_script = R"LUA(
local t = tonumber(redis.call('TIME')[1])
for i = 1, #KEYS do
  if t < tonumber(ARGV[2 * i - 1]) or t >= tonumber(ARGV[2 * i]) then return {-1, t} end
end
)LUA" TG_SWEEP_LUA R"LUA(
local out = {t}
for i = 1, #KEYS do
  sweep(KEYS[i])
  local v = redis.call('HMGET', KEYS[i], 'used', 'reserved')
  out[#out + 1] = tonumber(v[1] or '0')
  out[#out + 1] = tonumber(v[2] or '0')
end
return out
)LUA";

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
const lua_script reserve_lua(reserve_script);
const lua_script settle_lua(settle_script);
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

// Appends one reservation's keys and arguments (reserve_script's layout) for the windows
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

// The script and its arguments for the windows current at `t`.
command reserve_command(const reservation_request& r,
                        const std::vector<config::limit>& limits,
                        std::int64_t t) {
    std::vector<std::string> keys;
    std::vector<std::string> args;
    append_reservation(r, limits, t, keys, args);
    return script_call(reserve_lua, std::move(keys), std::move(args));
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

task<result<reservation_result>> reserve(redis::connection& c, reservation_request r) {
    const auto limits = applicable(r.limits, r.model);
    if (limits.empty()) {  // nothing limits this model
        co_return nothing_limits(r);
    }
    std::int64_t t = unix_now();
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto v = co_await run_script(c, reserve_lua, reserve_command(r, limits, t));
        if (!v) {
            co_return v.error();
        }
        if (auto answer = read_answer(*v, limits, t)) {
            co_return std::move(*answer);
        }
    }
    co_return error::store_unavailable;
}

task<std::vector<result<reservation_result>>> reserve_batch(
    std::shared_ptr<redis::connection> c, std::vector<reservation_request> items) {
    std::vector<std::optional<result<reservation_result>>> answers(items.size());
    std::vector<std::vector<config::limit>> limits(items.size());
    std::vector<std::size_t> sent;  // the items that need Redis, in ARGV order
    std::vector<std::string> keys;
    std::vector<std::string> args{""};
    const std::int64_t t = unix_now();
    for (std::size_t i = 0; i < items.size(); ++i) {
        limits[i] = applicable(items[i].limits, items[i].model);
        if (limits[i].empty()) {
            answers[i] = nothing_limits(items[i]);
            continue;
        }
        sent.push_back(i);
        append_reservation(items[i], limits[i], t, keys, args);
    }
    args[0] = std::to_string(sent.size());
    if (!sent.empty()) {
        auto v = co_await run_script(
            *c, reserve_many_lua, script_call(reserve_many_lua, std::move(keys), std::move(args)));
        for (std::size_t j = 0; j < sent.size(); ++j) {
            const std::size_t i = sent[j];
            if (!v) {
                answers[i] = result<reservation_result>(v.error());
            } else if (v->type != value::kind::array || v->elements.size() != sent.size()) {
                answers[i] = result<reservation_result>(reply_error(*v, "reserve"));
            } else {
                std::int64_t redis_t = t;
                answers[i] = read_answer(v->elements[j], limits[i], redis_t);
            }
        }
    }
    std::vector<result<reservation_result>> out;
    out.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (!answers[i]) {  // a window turned between our clock and Redis's: alone, again
            answers[i] = co_await reserve(*c, std::move(items[i]));
        }
        out.push_back(std::move(*answers[i]));
    }
    co_return out;
}

task<std::vector<result<bool>>> settle_batch(std::shared_ptr<redis::connection> c,
                                             std::vector<settle_item> items) {
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

task<result<bool>> settle(redis::connection& c,
                          std::string consumer,
                          std::string request_id,
                          std::vector<config::limit> limits,
                          std::int64_t reserved_at,
                          quota::amounts actual) {
    std::vector<std::string> keys;
    std::vector<std::string> args{request_id};
    for (const auto& l : limits) {
        keys.push_back(bucket_key(consumer, l, quota::window_at(l.per, reserved_at).start));
        args.push_back(std::to_string(quota::amount_of(actual, l.what)));
    }
    if (keys.empty()) {
        co_return false;
    }
    auto v = co_await run_script(
        c, settle_lua, script_call(settle_lua, std::move(keys), std::move(args)));
    // result<bool> is not implicitly constructible from an error code (bool is).
    if (!v) {
        co_return result<bool>(boost::system::in_place_error, v.error());
    }
    if (v->type != value::kind::integer) {
        co_return result<bool>(boost::system::in_place_error, reply_error(*v, "settle"));
    }
    co_return v->integer == 1;
}

task<result<std::vector<bool>>> settle_many(redis::connection& c,
                                            const std::vector<settle_item>& items) {
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

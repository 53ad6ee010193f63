// The Lua of the Redis quota store (private to src/store; redis_quota.cpp runs them). The
// layout they share is in redis_quota.hpp.
#pragma once

namespace tollgate::store::redis_quota {

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

// Reservations, in one call (the worker coalesces those that arrive while one call is in
// flight; a lone one is a batch of one), each decided in arrival order against what the
// earlier ones hold. ARGV: the number of items, then per item: request id, ttl, prompt,
// wanted completion (-1: none), clamp (0/1), cap, price in, price out, lease (requests' worth
// to hold at most), share (a lease takes at most 1/share of what any limit has left), n, then
// per limit:
// metric (0 tokens, 1 prompt, 2 completion, 3 requests, 4 cost), ceiling, window start,
// window end. KEYS: every item's buckets, in item order. Counters change only by HINCRBY,
// so they stay exact 64-bit integers; a batch's sum per bucket is exact up to 2^53. One HMGET per
// distinct bucket (counters, `due`, and every item's r: field for the duplicate check), then per
// bucket one HINCRBY of `reserved`, one HSET of the new reservations (and `due`) and, for a new
// bucket, one EXPIREAT. Returns one array per item: {-1, t} (windows moved: retry at Redis's t),
// {-2, t} (duplicate request id), {0, t, blocking, grant} (does not fit), or {1, t, 0, grant,
// used1, reserved1, ..., lease}: it fits, `lease` times over (at least once; docs/METERING.md,
// "Leases").
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
  local n = tonumber(ARGV[a + 10])
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
  a = a + 11 + 4 * n
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
    local at = b + 10 + (l - 1) * 4
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
      -- A lease: as many requests' worth as asked, at most 1/share of what each limit has left.
      local times = tonumber(ARGV[b + 8])
      if times > 1 then
        local share = tonumber(ARGV[b + 9])
        for l = 1, n do
          if AMT[l] > 0 then
            local k = math.floor((C[l] - S[l].used - S[l].res) / (share * AMT[l]))
            if k < times then times = k end
          end
        end
        if times < 1 then times = 1 end
      end
      local deadline = t + ttl
      answer = {1, t, 0, grant}
      for l = 1, n do
        local s = S[l]
        local held = AMT[l] * times
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
      answer[5 + 2 * n] = times
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

// Settles several reservations in one call (the worker coalesces the settlements that
// arrive while one call is in flight). ARGV: the number of items, then per item its
// request id, its number of keys k and k actual amounts; KEYS: every item's buckets, in item
// order. One HMGET per distinct bucket reads every reservation of the batch; then per bucket
// one HINCRBY of `reserved`, one of `used` and one HDEL, whatever the batch's size. Each
// item is charged in full if its reservation expired, never partly settled.
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

// A request served without a reservation (fail_open), or an Admin API usage adjustment,
// charged once per id. KEYS: the buckets of the windows at its time. ARGV: the id, then per
// key the amount (negative for a credit: usage never goes below 0) and the window's end.
// Returns 1, or 0 when this id was charged before (a replay).
inline constexpr const char* charge_script = R"LUA(
if redis.call('HSETNX', KEYS[1], 'c:' .. ARGV[1], '1') == 0 then return 0 end
for i = 1, #KEYS do
  if redis.call('HINCRBY', KEYS[i], 'used', ARGV[2 * i]) < 0 then
    redis.call('HSET', KEYS[i], 'used', 0)
  end
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

}  // namespace tollgate::store::redis_quota

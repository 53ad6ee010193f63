// The Redis quota scripts (private to src/store): reserve, settle and usage as Lua, one round
// trip each, same rules as quota/ledger.hpp. Layout: one hash per consumer, limit and
// window, `tg:{consumer}:q:<limit-id>:<window-start>`, fields `used`, `reserved`, and per
// reservation `r:<request-id>` (held) and `d:<request-id>` (deadline). Every key is
// declared (KEYS) and shares the consumer's hash tag. Windows come from Redis TIME: the
// caller names the windows it believes current; if TIME disagrees (clock skew at a
// boundary) the script answers "retry at t" and the caller asks again with Redis's time.
#pragma once

namespace tollgate::store::redis_quota {

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
local function sweep(key)
  local f = redis.call('HGETALL', key)
  for j = 1, #f, 2 do
    if string.sub(f[j], 1, 2) == 'd:' and tonumber(f[j + 1]) <= t then
      local id = string.sub(f[j], 3)
      local held = redis.call('HGET', key, 'r:' .. id) or '0'
      redis.call('HINCRBY', key, 'reserved', string.format('%d', -tonumber(held)))
      redis.call('HINCRBY', key, 'used', held)
      redis.call('HDEL', key, 'r:' .. id, 'd:' .. id)
    end
  end
end
local rid = ARGV[1]
local used, res = {}, {}
for i = 1, n do
  sweep(KEYS[i])
  if redis.call('HEXISTS', KEYS[i], 'r:' .. rid) == 1 then return {-2, t} end
  local v = redis.call('HMGET', KEYS[i], 'used', 'reserved')
  used[i] = tonumber(v[1] or '0')
  res[i] = tonumber(v[2] or '0')
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
  redis.call('HSET', KEYS[i], 'r:' .. rid, held, 'd:' .. rid, deadline)
  redis.call('EXPIREAT', KEYS[i], arg(i, 4) + tonumber(ARGV[2]) + 86400)
  out[#out + 1] = used[i]
  out[#out + 1] = res[i] + amount[arg(i, 1)]
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
for i = 1, #KEYS do
  local d = redis.call('HGET', KEYS[i], 'd:' .. rid)
  if d and tonumber(d) <= t then expired = true end
end
for i = 1, #KEYS do
  local held = redis.call('HGET', KEYS[i], 'r:' .. rid)
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

// KEYS: the buckets of the current windows. ARGV: per key, window start and end. Charges
// overdue reservations, then returns {t, used1, reserved1, ...} or {-1, t} (windows moved).
inline constexpr const char* usage_script = R"LUA(
local t = tonumber(redis.call('TIME')[1])
for i = 1, #KEYS do
  if t < tonumber(ARGV[2 * i - 1]) or t >= tonumber(ARGV[2 * i]) then return {-1, t} end
end
local out = {t}
for i = 1, #KEYS do
  local f = redis.call('HGETALL', KEYS[i])
  for j = 1, #f, 2 do
    if string.sub(f[j], 1, 2) == 'd:' and tonumber(f[j + 1]) <= t then
      local id = string.sub(f[j], 3)
      local held = redis.call('HGET', KEYS[i], 'r:' .. id) or '0'
      redis.call('HINCRBY', KEYS[i], 'reserved', string.format('%d', -tonumber(held)))
      redis.call('HINCRBY', KEYS[i], 'used', held)
      redis.call('HDEL', KEYS[i], 'r:' .. id, 'd:' .. id)
    end
  end
  local v = redis.call('HMGET', KEYS[i], 'used', 'reserved')
  out[#out + 1] = tonumber(v[1] or '0')
  out[#out + 1] = tonumber(v[2] or '0')
end
return out
)LUA";

}  // namespace tollgate::store::redis_quota

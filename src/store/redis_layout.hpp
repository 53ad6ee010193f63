// The Redis store's key layout and the Lua scripts for consumers and keys (private to
// src/store). docs/STORE.md describes the layout.
#pragma once

#include <string>

namespace tollgate::store::redis_layout {

// Key layout (docs/STORE.md). Everything of one consumer shares the hash tag {id}, so a
// consumer's records live in one Redis Cluster slot and each script touches one consumer
// only. The two lookup indexes (by digest, by key id) and the consumer list are global: they
// are only pointers, written after the records they point to and removed after them, so a
// lost connection between the steps never makes a revoked key usable.
inline std::string consumer_key(const std::string& cid) {
    return "tg:{" + cid + "}:consumer";
}
inline std::string keyset_key(const std::string& cid) {
    return "tg:{" + cid + "}:keys";
}
inline std::string key_key(const std::string& cid, const std::string& kid) {
    return "tg:{" + cid + "}:key:" + kid;
}
inline std::string digest_index(const std::string& digest) {
    return "tg:keyhash:" + digest;
}
inline std::string id_index(const std::string& kid) {
    return "tg:keyid:" + kid;
}
inline constexpr const char* consumer_list = "tg:consumers";
inline constexpr const char* channel = "tg:invalidate";

// Adds a key to its consumer, atomically with the check that the consumer exists.
// KEYS: consumer, keyset, key record. ARGV: key id, key JSON.
inline constexpr const char* add_key_script = R"(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], ARGV[2])
return 1)";

// Removes a key from its consumer; returns its record (for the digest) or nil.
// KEYS: keyset, key record. ARGV: key id.
inline constexpr const char* del_key_script = R"(
local rec = redis.call('GET', KEYS[2])
if not rec then return false end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[1], ARGV[1])
return rec)";

// Rotation: adds the successor and expires (ARGV[3] is JSON) or deletes (ARGV[3] empty) the
// old key, all or nothing. KEYS: consumer, keyset, old record, new record.
// ARGV: new id, new JSON, old JSON or "", old id.
inline constexpr const char* rotate_script = R"(
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SET', KEYS[4], ARGV[2])
if ARGV[3] == '' then
  redis.call('DEL', KEYS[3])
  redis.call('SREM', KEYS[2], ARGV[4])
else
  redis.call('SET', KEYS[3], ARGV[3])
end
return 1)";

// Deletes a consumer and the keys named in ARGV, provided ARGV is exactly its key set (a key
// minted concurrently makes it answer -1: read the set again and retry).
// KEYS: consumer, keyset, then one record per key id in ARGV.
inline constexpr const char* del_consumer_script = R"(
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('SCARD', KEYS[2]) ~= #ARGV then return -1 end
for i, id in ipairs(ARGV) do
  if redis.call('SISMEMBER', KEYS[2], id) == 0 then return -1 end
end
for i = 3, #KEYS do redis.call('DEL', KEYS[i]) end
redis.call('DEL', KEYS[1], KEYS[2])
return 1)";

}  // namespace tollgate::store::redis_layout

#include "redis_keys.hpp"

#include "redis_commands.hpp"
#include "redis_layout.hpp"
#include "redis_records.hpp"
#include "tollgate/core/error.hpp"
#include "tollgate/core/rfc3339.hpp"

#include <algorithm>

namespace tollgate::store::redis_keys {

using namespace redis_layout;

using redis::command;
using redis::value;

task<result<key_record>> add_key(redis::connection& c, key_record k) {
    // The record first, the lookup indexes after: a key is usable only once both exist,
    // and the caller sees its secret only after that.
    auto r = co_await c.run(eval(
        add_key_script,
        strings(
            consumer_key(k.consumer_id), keyset_key(k.consumer_id), key_key(k.consumer_id, k.id)),
        strings(k.id, to_json(k, true).dump())));
    if (!r) {
        co_return r.error();
    }
    if (r->is_error()) {
        co_return reply_error(*r, "add key");
    }
    if (r->integer == 0) {
        co_return error::not_found;
    }
    auto idx = co_await c.run(batch(cmd("SET", digest_index(k.digest), k.consumer_id + " " + k.id),
                                    cmd("SET", id_index(k.id), k.consumer_id)));
    if (!idx) {
        co_return idx.error();
    }
    co_return k;
}

task<result<std::vector<key_record>>> list_keys(redis::connection& c, std::string consumer_id) {
    auto r = co_await c.run(
        batch(cmd("EXISTS", consumer_key(consumer_id)), cmd("SMEMBERS", keyset_key(consumer_id))));
    if (!r) {
        co_return r.error();
    }
    if ((*r)[0].integer == 0) {
        co_return error::not_found;
    }
    std::vector<key_record> out;
    if ((*r)[1].elements.empty()) {
        co_return out;
    }
    command mget = cmd("MGET");
    for (const auto& m : (*r)[1].elements) {
        mget.push_back(key_key(consumer_id, m.str));
    }
    auto recs = co_await c.run(std::move(mget));
    if (!recs) {
        co_return recs.error();
    }
    for (const auto& v : recs->elements) {
        if (auto k = parse_key(v)) {
            out.push_back(std::move(*k));
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    co_return out;
}

task<result<key_record>> get_key(redis::connection& c, std::string key_id) {
    auto owner = co_await c.run(cmd("GET", id_index(key_id)));
    if (!owner) {
        co_return owner.error();
    }
    if (owner->is_nil()) {
        co_return error::not_found;
    }
    auto rec = co_await c.run(cmd("GET", key_key(owner->str, key_id)));
    if (!rec) {
        co_return rec.error();
    }
    auto k = parse_key(*rec);
    if (!k) {
        co_return error::not_found;
    }
    co_return std::move(*k);
}

task<result<void>> revoke_key(redis::connection& c, std::string key_id) {
    auto owner = co_await c.run(cmd("GET", id_index(key_id)));
    if (!owner) {
        co_return owner.error();
    }
    if (owner->is_nil()) {
        co_return error::not_found;
    }
    auto r = co_await c.run(eval(del_key_script,
                                 strings(keyset_key(owner->str), key_key(owner->str, key_id)),
                                 strings(key_id)));
    if (!r) {
        co_return r.error();
    }
    auto k = parse_key(*r);
    if (!k) {
        co_return r->is_error() ? reply_error(*r, "revoke key") : error::not_found;
    }
    // The record is gone, so the key is refused from here on; the indexes only point.
    co_await c.run(batch(cmd("PUBLISH", channel, "k " + key_id),
                         cmd("DEL", digest_index(k->digest)),
                         cmd("DEL", id_index(key_id))));
    co_return result<void>();
}

task<result<key_record>> rotate_key(redis::connection& c,
                                    std::string key_id,
                                    key_record successor,
                                    std::int64_t old_expires_at) {
    auto old = co_await get_key(c, key_id);
    if (!old) {
        co_return old.error();
    }
    const std::string cid = old->consumer_id;
    std::string old_json;
    if (old_expires_at > unix_now()) {
        key_record updated = *old;
        updated.expires_at =
            updated.expires_at ? std::min(*updated.expires_at, old_expires_at) : old_expires_at;
        old_json = to_json(updated, true).dump();
    }
    auto r = co_await c.run(eval(
        rotate_script,
        strings(
            consumer_key(cid), keyset_key(cid), key_key(cid, key_id), key_key(cid, successor.id)),
        strings(successor.id, to_json(successor, true).dump(), old_json, key_id)));
    if (!r) {
        co_return r.error();
    }
    if (r->is_error()) {
        co_return reply_error(*r, "rotate key");
    }
    if (r->integer == 0) {
        co_return error::not_found;
    }
    auto after = batch(cmd("SET", digest_index(successor.digest), cid + " " + successor.id),
                       cmd("SET", id_index(successor.id), cid),
                       cmd("PUBLISH", channel, "k " + key_id));
    if (old_json.empty()) {
        after.push_back(cmd("DEL", digest_index(old->digest)));
        after.push_back(cmd("DEL", id_index(key_id)));
    }
    auto idx = co_await c.run(std::move(after));
    if (!idx) {
        co_return idx.error();
    }
    co_return successor;
}

task<result<key_grant>> find_key(redis::connection& c, auth::key_digest digest) {
    auto ref = co_await c.run(cmd("GET", digest_index(auth::to_hex(digest))));
    if (!ref) {
        co_return ref.error();
    }
    if (ref->is_nil()) {
        co_return error::not_found;
    }
    const auto space = ref->str.find(' ');
    if (space == std::string::npos) {
        co_return error::not_found;
    }
    const std::string cid = ref->str.substr(0, space);
    const std::string kid = ref->str.substr(space + 1);
    auto both = co_await c.run(cmd("MGET", consumer_key(cid), key_key(cid, kid)));
    if (!both) {
        co_return both.error();
    }
    if (both->elements.size() != 2) {
        co_return reply_error(*both, "find key");
    }
    auto holder = parse_consumer(both->elements[0]);
    auto k = parse_key(both->elements[1]);
    if (!holder || !k) {
        co_return error::not_found;  // revoked or deleted; the index is only a pointer
    }
    co_return key_grant{std::move(*k), std::move(*holder)};
}

}  // namespace tollgate::store::redis_keys

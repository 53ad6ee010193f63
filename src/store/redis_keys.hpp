// The key operations of the Redis store (private to src/store): a key's record, its lookup
// indexes (digest and id) and the invalidation it publishes. Layout: redis_layout.hpp and
// docs/STORE.md.
#pragma once

#include "tollgate/redis/connection.hpp"
#include "tollgate/store/store.hpp"

#include <string>
#include <vector>

namespace tollgate::store::redis_keys {

task<result<key_record>> add_key(redis::connection& c, key_record k);
task<result<std::vector<key_record>>> list_keys(redis::connection& c, std::string consumer_id);
task<result<key_record>> get_key(redis::connection& c, std::string key_id);
task<result<void>> revoke_key(redis::connection& c, std::string key_id);
task<result<key_record>> rotate_key(redis::connection& c,
                                    std::string key_id,
                                    key_record successor,
                                    std::int64_t old_expires_at);
task<result<key_grant>> find_key(redis::connection& c, auth::key_digest digest);

}  // namespace tollgate::store::redis_keys

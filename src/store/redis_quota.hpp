// The Redis quota operations (private to src/store): reservations and settlements in
// batches (a worker's coalescer gathers them; one alone is a batch of one), charge and usage,
// each one Lua script call (redis_quota_scripts.hpp), same rules as quota/ledger.hpp. Layout: one
// hash per consumer, limit and window, `tg:{consumer}:q:<limit-id>:<window-start>`, fields `used`,
// `reserved`, and per reservation `r:<request-id>` (held) and `d:<request-id>` (deadline). Every
// key is declared (KEYS) and shares the consumer's hash tag. Windows come from Redis TIME: the
// caller names the windows it believes current; if TIME disagrees (clock skew at a
// boundary) the script answers "retry at t" and the caller asks again with Redis's time.
#pragma once

#include "tollgate/redis/connection.hpp"
#include "tollgate/store/store.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tollgate::store::redis_quota {

/// Settles every item in one script call (at most max_settle_batch); one answer per item,
/// in order (true: its reservation was there and is settled).
inline constexpr std::size_t max_settle_batch = 128;
task<result<std::vector<bool>>> settle_many(redis::connection& c,
                                            const std::vector<settlement>& items);

/// Those of `limits` that count requests for `model`, in order.
std::vector<config::limit> applicable(const std::vector<config::limit>& limits,
                                      std::string_view model);

/// Batch functions for the worker's coalescers (coalescer.hpp): one answer per item, in
/// order. Reservations whose windows turned between our clock and Redis's are sent again at
/// Redis's time.
inline constexpr std::size_t max_reserve_batch = 64;
task<std::vector<result<reservation_result>>> reserve_batch(std::shared_ptr<redis::connection> c,
                                                            std::vector<reservation_request> items);
task<std::vector<result<bool>>> settle_batch(std::shared_ptr<redis::connection> c,
                                             std::vector<settlement> items);

task<result<bool>> charge(redis::connection& c,
                          std::string consumer,
                          std::string request_id,
                          std::vector<config::limit> limits,
                          std::int64_t at,
                          quota::amounts actual);

task<result<std::pair<std::vector<quota::bucket>, std::int64_t>>> usage(
    redis::connection& c, std::string consumer, std::vector<config::limit> limits);

}  // namespace tollgate::store::redis_quota

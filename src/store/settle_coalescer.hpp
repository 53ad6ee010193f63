// settle_coalescer: one worker's settlements to Redis, coalesced. A settlement that arrives
// while none is in flight goes at once, alone; those that arrive while one is in flight wait
// for it and then go together, as one script call (redis_quota::settle_many). Under load a
// call carries tens of settlements, and Redis does a few commands per bucket per call
// instead of a few per settlement; when idle nothing waits. Private to src/store; one per
// worker, used from that worker's thread only.
#pragma once

#include "redis_quota.hpp"

#include <deque>
#include <memory>

namespace tollgate::store {

class settle_coalescer {
public:
    explicit settle_coalescer(std::shared_ptr<redis::connection> c) : c_(std::move(c)) {}

    /// Settles one reservation; the same answer a lone settle would give.
    task<result<bool>> settle(redis_quota::settle_item item);

private:
    struct waiting;
    task<void> flush(const std::shared_ptr<waiting>& lead);

    std::shared_ptr<redis::connection> c_;
    std::deque<std::shared_ptr<waiting>> queue_;
    bool flushing_ = false;  // a call is in flight (its leader takes the next batch after it)
};

}  // namespace tollgate::store

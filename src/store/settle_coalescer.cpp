#include "settle_coalescer.hpp"

#include <optional>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

namespace tollgate::store {

struct settle_coalescer::waiting {
    waiting(redis_quota::settle_item i, const executor& ex) : item(std::move(i)), wake(ex) {
        wake.expires_at(net::steady_timer::time_point::max());
    }
    redis_quota::settle_item item;
    net::steady_timer wake;  // cancelled when the answer is in, or to lead
    std::optional<result<bool>> answer;
};

task<result<bool>> settle_coalescer::settle(redis_quota::settle_item item) {
    // Not inside the argument list: GCC 12 miscompiles a co_await among other arguments.
    const auto ex = co_await net::this_coro::executor;
    auto me = std::make_shared<waiting>(std::move(item), ex);
    queue_.push_back(me);
    if (flushing_) {
        // Woken with the answer, or without one to lead the next batch.
        co_await me->wake.async_wait(use_nothrow_awaitable);
        if (me->answer) {
            co_return std::move(*me->answer);
        }
    }
    flushing_ = true;
    co_await flush(me);
    // Moved, never copied from a non-const lvalue: for result<bool> that picks the converting
    // constructor (bool from result's explicit operator bool) and answers "true".
    co_return std::move(*me->answer);
}

task<void> settle_coalescer::flush(const std::shared_ptr<waiting>& lead) {
    // The leader is at the queue's front: it arrived when nothing was in flight, or the
    // previous leader woke it as the oldest waiting.
    std::vector<std::shared_ptr<waiting>> batch;
    std::vector<redis_quota::settle_item> items;
    while (!queue_.empty() && batch.size() < redis_quota::max_settle_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
        items.push_back(batch.back()->item);
    }
    const auto done = co_await redis_quota::settle_many(*c_, items);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (done) {
            batch[i]->answer.emplace(static_cast<bool>((*done)[i]));
        } else {
            batch[i]->answer.emplace(boost::system::in_place_error, done.error());
        }
        if (batch[i] != lead) {
            batch[i]->wake.cancel();
        }
    }
    if (queue_.empty()) {
        flushing_ = false;
    } else {
        queue_.front()->wake.cancel();  // the oldest waiting leads the next batch
    }
}

}  // namespace tollgate::store

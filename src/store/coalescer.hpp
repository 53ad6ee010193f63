// coalescer<Item, Answer>: one worker's calls of one kind to Redis, coalesced. A call that
// arrives while none is in flight goes at once, alone; those that arrive while one is in
// flight wait for it and then go together, as one batch (one script call). Under load a
// batch carries tens of calls and Redis does a few commands per bucket per batch instead of
// a few per call; when idle nothing waits. Private to src/store; one per worker and kind,
// used from that worker's thread only.
#pragma once

#include "tollgate/core/net.hpp"
#include "tollgate/core/result.hpp"

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

namespace tollgate::store {

template <class Item, class Answer>
class coalescer {
public:
    /// Runs one batch: one answer per item, in order.
    using batch_fn = std::function<task<std::vector<result<Answer>>>(std::vector<Item>)>;

    coalescer(batch_fn run, std::size_t max_batch) : run_(std::move(run)), max_(max_batch) {}

    /// The answer the batch gave this item.
    task<result<Answer>> call(Item item) {
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
        // Moved, never copied from a non-const lvalue: for result<bool> a copy picks the
        // converting constructor (bool from result's explicit operator bool): "true".
        co_return std::move(*me->answer);
    }

private:
    struct waiting {
        waiting(Item i, const executor& ex) : item(std::move(i)), wake(ex) {
            wake.expires_at(net::steady_timer::time_point::max());
        }
        Item item;
        net::steady_timer wake;  // cancelled when the answer is in, or to lead
        std::optional<result<Answer>> answer;
    };

    // The leader is at the queue's front: it arrived when nothing was in flight, or the
    // previous leader woke it as the oldest waiting.
    task<void> flush(std::shared_ptr<waiting> lead) {
        std::vector<std::shared_ptr<waiting>> batch;
        std::vector<Item> items;
        while (!queue_.empty() && batch.size() < max_) {
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
            items.push_back(std::move(batch.back()->item));  // not needed after this
        }
        auto answers = co_await run_(std::move(items));
        if (answers.size() != batch.size()) {  // a broken batch function: nothing is known
            answers.assign(batch.size(), result<Answer>(error::store_unavailable));
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
            batch[i]->answer.emplace(std::move(answers[i]));
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

    batch_fn run_;
    std::size_t max_;
    std::deque<std::shared_ptr<waiting>> queue_;
    bool flushing_ = false;  // a batch is in flight (its leader starts the next after it)
};

}  // namespace tollgate::store

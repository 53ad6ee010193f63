#include "tollgate/server/charge_backlog.hpp"

#include "tollgate/core/net.hpp"
#include "tollgate/store/store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

namespace tollgate::server {
namespace {

task<result<bool>> deliver(store::store& s, const pending_charge& c) {
    if (c.settles) {
        co_return co_await s.settle(c.consumer, c.request_id, c.limits, c.at, c.actual);
    }
    co_return co_await s.charge(c.consumer, c.request_id, c.limits, c.at, c.actual);
}

}  // namespace

bool charge_backlog::push(store::store& s,
                          pending_charge c,
                          std::size_t limit,
                          std::chrono::milliseconds retry) {
    bool kept_all = true;
    while (!queue_.empty() && queue_.size() >= std::max<std::size_t>(limit, 1)) {
        const auto& old = queue_.front();
        spdlog::error(
            "quota: backlog full ({} entries), dropping the {} of request {} for consumer {}{}",
            queue_.size(),
            old.settles ? "settlement" : "charge",
            old.request_id,
            old.consumer,
            old.settles ? " (its reservation expires charged in full)" : "");
        queue_.pop_front();
        kept_all = false;
    }
    queue_.push_back(std::move(c));
    drain(s, retry);
    return kept_all;
}

void charge_backlog::drain(store::store& s, std::chrono::milliseconds retry) {
    if (draining_) {
        return;
    }
    draining_ = true;
    auto run = [](charge_backlog& self,
                  store::store& target,
                  std::chrono::milliseconds every) -> task<void> {
        while (!self.queue_.empty()) {
            const auto r = co_await deliver(target, self.queue_.front());
            if (!r) {
                self.timer_.expires_after(every);
                co_await self.timer_.async_wait(use_nothrow_awaitable);
                continue;
            }
            self.queue_.pop_front();
            ++self.delivered_;
            if (self.queue_.empty()) {
                spdlog::info("quota: backlog delivered ({} since start)", self.delivered_);
            }
        }
        self.draining_ = false;
    };
    net::co_spawn(ioc_, run(*this, s, retry), net::detached);
}

}  // namespace tollgate::server

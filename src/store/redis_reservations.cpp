#include "redis_reservations.hpp"

#include "redis_quota.hpp"

#include <algorithm>
#include <chrono>
#include <functional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

namespace tollgate::store {
namespace {

// How often the lease keeper closes leases past their time and retries the settlements of
// leases the store could not take.
constexpr auto lease_tick = std::chrono::milliseconds(100);
// After drain(), how many ticks the keeper keeps retrying before it gives up (what it gives
// up expires in Redis, charged in full).
constexpr int drain_attempts = 20;
// How many lease answers a request waits for (each may be spent by the requests that waited
// with it) before it asks Redis itself.
constexpr int max_lease_waits = 3;

}  // namespace

redis_reservations::redis_reservations(net::io_context& ioc, std::shared_ptr<redis::connection> c)
    : ioc_(ioc),
      c_(std::move(c)),
      reserves_(std::bind_front(&redis_quota::reserve_batch, c_), redis_quota::max_reserve_batch),
      settles_(std::bind_front(&redis_quota::settle_batch, c_), redis_quota::max_settle_batch) {}

redis_reservations::~redis_reservations() {
    c_->close();
}

task<result<reservation_result>> redis_reservations::reserve(reservation_request r) {
    if (r.lease.requests <= 1) {
        co_return co_await reserves_.call(std::move(r));
    }
    co_return co_await reserve_leased(std::move(r));
}

task<result<bool>> redis_reservations::settle(settlement s) {
    if (!book_.empty()) {
        auto drawn = book_.settle(s.consumer, s.request_id, s.actual);
        if (drawn.ours) {
            if (drawn.lease_due) {
                co_await settle_lease(std::move(*drawn.lease_due));
            }
            co_return true;  // the lease's settlement is this store's to deliver now
        }
    }
    co_return co_await settles_.call(std::move(s));
}

void redis_reservations::drain() {
    draining_ = true;
    if (!book_.empty() || !unsettled_.empty()) {
        start_keeper();
    }
}

// A request of a consumer with leasing on: from a lease this worker holds when one has room,
// else from Redis, asking for a lease (lease_book.hpp).
task<result<reservation_result>> redis_reservations::reserve_leased(reservation_request r) {
    // The meter passes only the limits that apply to the model: then no copy is needed.
    const bool all_apply = std::ranges::all_of(
        r.limits, [&](const config::limit& l) { return quota::applies(l, r.model); });
    if (!all_apply) {
        r.limits = redis_quota::applicable(r.limits, r.model);
    }
    if (r.limits.empty()) {
        co_return co_await reserves_.call(std::move(r));
    }
    // While a request of this consumer asks Redis for a lease, the next ones wait for it
    // rather than each reserving (and leasing) on its own: near a limit, leases taken at once
    // by concurrent requests would hold what none of them uses.
    for (int wait = 0;; ++wait) {
        if (const auto session = c_->session(); session != 0) {
            if (auto hit = book_.draw(r, r.limits, session, lease_book::clock::now())) {
                co_return std::move(*hit);
            }
        }
        const auto asking = leasing_.find(r.consumer);
        if (asking == leasing_.end() || wait == max_lease_waits) {
            break;
        }
        const auto gate = asking->second;
        co_await gate->async_wait(use_nothrow_awaitable);  // cancelled when it is answered
    }
    const auto [ask, ours] = leasing_.try_emplace(r.consumer);
    std::shared_ptr<net::steady_timer> gate;
    if (ours) {
        gate = std::make_shared<net::steady_timer>(ioc_, net::steady_timer::time_point::max());
        ask->second = gate;
    } else {
        r.lease.requests = 1;  // one lease asked at a time: this one reserves for itself
    }
    // What the lease needs of the request once it is sent.
    reservation_request first;
    first.consumer = r.consumer;
    first.request_id = r.request_id;
    first.prompt_tokens = r.prompt_tokens;
    first.price = r.price;
    first.lease = r.lease;
    const auto limits = r.limits;
    // The lease outlives its first request by up to max_age: so must its deadline.
    r.ttl_seconds += (r.lease.max_age_ms + 999) / 1000;
    auto res = co_await reserves_.call(std::move(r));
    if (res && res->fits) {
        book_.open(first, limits, *res, c_->session(), lease_book::clock::now());
        start_keeper();
    }
    if (gate) {
        leasing_.erase(first.consumer);
        gate->cancel();
    }
    co_return res;
}

// Settles a lease in Redis; one the store could not take is retried by the keeper.
task<void> redis_reservations::settle_lease(settlement s) {
    auto done = co_await settles_.call(s);
    if (!done) {
        unsettled_.push_back(std::move(s));
        start_keeper();
    } else if (!*done) {
        spdlog::warn(
            "quota: lease {} of consumer {} was no longer held by the store (it expired and was "
            "charged in full, or the store lost its data)",
            s.request_id,
            s.consumer);
    }
}

void redis_reservations::start_keeper() {
    if (!keeper_running_) {
        keeper_running_ = true;
        net::co_spawn(ioc_, keep(shared_from_this()), net::detached);
    }
}

// While this worker holds leases: closes those past their time and settles them in Redis,
// and retries what Redis could not take. Holds this object (and the connection) until then,
// also after the worker let go of its store at shutdown.
task<void> redis_reservations::keep(std::shared_ptr<redis_reservations> self) {
    net::steady_timer timer(self->ioc_);
    int attempts_left = drain_attempts;
    while (!self->book_.empty() || !self->unsettled_.empty()) {
        timer.expires_after(lease_tick);
        co_await timer.async_wait(use_nothrow_awaitable);
        auto due = self->draining_ ? self->book_.close_all()
                                   : self->book_.due(lease_book::clock::now(), self->c_->session());
        std::deque<settlement> retry;
        retry.swap(self->unsettled_);
        for (auto& s : retry) {
            co_await self->settle_lease(std::move(s));
        }
        for (auto& d : due) {
            co_await self->settle_lease(std::move(d));
        }
        if (self->draining_ && --attempts_left <= 0) {
            spdlog::error(
                "quota: {} lease settlements could not reach Redis before shutdown (they expire "
                "charged in full)",
                self->unsettled_.size() + self->book_.in_flight());
            break;
        }
    }
    self->keeper_running_ = false;
}

}  // namespace tollgate::store

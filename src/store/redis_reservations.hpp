// redis_reservations: the Redis store's reservations and settlements (private to
// src/store). Calls of a kind are coalesced into one script call while one is in flight
// (coalescer.hpp); with lease terms, a reservation may hold several requests' worth, and the
// worker's next requests of that consumer draw on it here, without a round trip
// (lease_book.hpp, docs/METERING.md "Leases"). One per worker's store; used from its thread.
//
// It owns the worker's Redis connection's end of life: a keeper coroutine, holding this
// object, settles closed leases after the store itself is gone (drain at shutdown), and the
// connection closes when the last of them lets go.
#pragma once

#include "coalescer.hpp"
#include "tollgate/core/net.hpp"
#include "tollgate/redis/connection.hpp"
#include "tollgate/store/lease_book.hpp"
#include "tollgate/store/store.hpp"

#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/steady_timer.hpp>

namespace tollgate::store {

class redis_reservations : public std::enable_shared_from_this<redis_reservations> {
public:
    redis_reservations(net::io_context& ioc, std::shared_ptr<redis::connection> c);
    ~redis_reservations();
    redis_reservations(const redis_reservations&) = delete;
    redis_reservations& operator=(const redis_reservations&) = delete;

    task<result<reservation_result>> reserve(reservation_request r);
    task<result<bool>> settle(settlement s);
    /// Gives the leases back once their requests have settled (store::drain).
    void drain();
    std::size_t leases() const noexcept { return book_.leases(); }

private:
    task<result<reservation_result>> reserve_leased(reservation_request r);
    task<void> settle_lease(settlement s);
    void start_keeper();
    static task<void> keep(std::shared_ptr<redis_reservations> self);

    net::io_context& ioc_;
    std::shared_ptr<redis::connection> c_;
    coalescer<reservation_request, reservation_result> reserves_;
    coalescer<settlement, bool> settles_;
    lease_book book_;
    std::deque<settlement> unsettled_;  // lease settlements Redis did not take
    // Consumers whose lease is being asked for, each with a timer that never expires: the
    // requests waiting for that answer wait on it, and it is cancelled to wake them.
    std::unordered_map<std::string, std::shared_ptr<net::steady_timer>> leasing_;
    bool keeper_running_ = false;
    bool draining_ = false;
};

}  // namespace tollgate::store

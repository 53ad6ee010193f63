// charge_backlog: what the quota store could not take while it was down — settlements of
// reservations, and the charges of requests served under store.on_error: fail_open — kept in
// order and retried until the store takes them. Both operations are idempotent per request
// id, so a retry after a lost answer never charges twice. One per worker; worker-thread only.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/quota/limits.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace tollgate::store {
class store;
}

namespace tollgate::server {

struct pending_charge {
    bool settles = true;  // settles a reservation; false: a fail_open charge without one
    std::string consumer;
    std::string request_id;
    std::vector<config::limit> limits;  // those that apply to the request's model
    std::int64_t at = 0;                // when it was reserved (or served)
    quota::amounts actual;
};

class charge_backlog {
public:
    explicit charge_backlog(boost::asio::io_context& ioc) : ioc_(ioc), timer_(ioc) {}

    /// Queues `c` and starts retrying into `s` every `retry` until it succeeds. Beyond
    /// `limit` the oldest entry is dropped (and logged); false then.
    bool push(store::store& s,
              pending_charge c,
              std::size_t limit,
              std::chrono::milliseconds retry);
    std::size_t size() const noexcept { return queue_.size(); }
    /// Entries delivered since start (for logs and tests).
    std::uint64_t delivered() const noexcept { return delivered_; }

private:
    void drain(store::store& s, std::chrono::milliseconds retry);

    boost::asio::io_context& ioc_;
    boost::asio::steady_timer timer_;
    std::deque<pending_charge> queue_;
    bool draining_ = false;
    std::uint64_t delivered_ = 0;
};

}  // namespace tollgate::server

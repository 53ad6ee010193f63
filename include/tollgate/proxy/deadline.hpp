// deadline: a timer that, when it fires, cancels (not closes) a client socket's pending read,
// so the session can still answer 408. Beast's tcp_stream timeout closes the socket instead.
// Worker-local; one per session.
#pragma once

#include "tollgate/core/stream.hpp"

#include <chrono>
#include <cstdint>

#include <boost/asio/steady_timer.hpp>

namespace tollgate::proxy {

class deadline {
public:
    explicit deadline(stream& s) : stream_(s), timer_(s.get_executor()) {}

    /// Starts a new period of `d`; any earlier period is forgotten.
    void arm(std::chrono::milliseconds d);
    void disarm();
    /// True when the current period ran out (and the pending read was cancelled).
    bool expired() const noexcept { return expired_; }

private:
    stream& stream_;
    net::steady_timer timer_;
    std::uint64_t generation_ = 0;  // a stale expiry from an earlier period is ignored
    bool expired_ = false;
};

}  // namespace tollgate::proxy

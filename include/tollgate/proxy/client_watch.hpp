// client_watch: notices a client that hangs up while its request waits on the upstream, and
// closes that upstream connection so the model stops generating (and billing) at once.
// Requests answered within `delay` never touch the socket: fast requests pay nothing but a
// timer. One per session, shared with its pending handlers; worker-local.
#pragma once

#include "tollgate/upstream/pool.hpp"

#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace tollgate::proxy {

class client_watch {
public:
    static std::shared_ptr<client_watch> make(net::ip::tcp::socket& client);

    explicit client_watch(net::ip::tcp::socket& client)
        : client_(&client), timer_(client.get_executor()) {}

    /// Starts watching for the request now in flight; `upstream` is updated via link().
    static void arm(const std::shared_ptr<client_watch>& self, std::chrono::milliseconds delay);
    /// The exchange ended: stop watching (cancels a pending wait).
    void disarm();
    /// The session ends: handlers still queued must not touch the socket.
    void detach();

    /// The upstream connection of the exchange in flight (null between requests).
    upstream::connection*& link() noexcept { return upstream_; }
    /// True when the client hung up during the current request.
    bool client_gone() const noexcept { return gone_; }

private:
    static void start_wait(const std::shared_ptr<client_watch>& self, std::uint64_t generation);
    void on_readable(std::uint64_t generation);

    net::ip::tcp::socket* client_;
    net::steady_timer timer_;
    upstream::connection* upstream_ = nullptr;
    std::uint64_t generation_ = 0;  // completions of an earlier request are ignored
    bool waiting_ = false;
    bool gone_ = false;
};

}  // namespace tollgate::proxy

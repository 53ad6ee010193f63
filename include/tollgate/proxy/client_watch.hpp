// client_watch: notices a client that hangs up while its request waits on the upstream, and
// closes that upstream connection so the model stops generating (and billing) at once. The
// worker's tick starts it only for requests still in flight after a short delay, so fast
// requests never pay the epoll_ctl that a readiness wait costs. One per session, shared with
// its pending handler; worker-local.
#pragma once

#include "tollgate/core/net.hpp"

#include <cstdint>
#include <memory>

#include <boost/asio/ip/tcp.hpp>

namespace tollgate::proxy {

class client_watch {
public:
    explicit client_watch(tcp_socket& client) : client_(&client) {}

    /// Starts waiting for the client to become readable (hang-up or pipelined bytes).
    static void start(const std::shared_ptr<client_watch>& self);
    /// The request ended: stop watching and forget its upstream.
    void stop();
    /// The session ends: a handler still queued must not touch the socket.
    void detach();

    /// The socket of the upstream exchange in flight, or null.
    tcp_socket*& upstream() noexcept { return upstream_; }
    /// True when the client hung up during the current request.
    bool client_gone() const noexcept { return gone_; }

private:
    void on_readable();

    tcp_socket* client_;
    tcp_socket* upstream_ = nullptr;
    std::uint64_t generation_ = 0;  // a completion from an earlier request is ignored
    bool waiting_ = false;
    bool gone_ = false;
};

}  // namespace tollgate::proxy

// stream: a TCP connection that is plain or TLS, behind one AsyncStream interface, so that
// each Beast operation is instantiated once for both. Plain Asio sockets, no per-operation
// timers: deadlines are watchdogs checked by the worker's tick. Owned by one session or pool;
// not thread-safe (a worker is single-threaded).
#pragma once

#include "tollgate/core/net.hpp"

#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

namespace tollgate {

class stream {
public:
    using socket_type = tcp_socket;
    using executor_type = socket_type::executor_type;
    using tls_stream = net::ssl::stream<socket_type>;

    /// A plain socket is made non-blocking for write_now(); Asio's own operations do not care.
    explicit stream(socket_type s) : plain_(std::move(s)) {
        boost::system::error_code ignored;
        plain_->non_blocking(true, ignored);
    }
    stream(socket_type s, net::ssl::context& ctx)
        : tls_(std::make_unique<tls_stream>(std::move(s), ctx)) {}

    stream(stream&&) noexcept = default;
    stream& operator=(stream&&) noexcept = default;

    executor_type get_executor() noexcept { return socket().get_executor(); }

    /// The TCP socket underneath (for cancel, close, shutdown and options).
    socket_type& socket() noexcept { return tls_ ? tls_->next_layer() : *plain_; }

    /// Null for a plain connection.
    tls_stream* tls() noexcept { return tls_.get(); }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        if (tls_) {
            return tls_->async_read_some(buffers, std::forward<Token>(token));
        }
        return plain_->async_read_some(buffers, std::forward<Token>(token));
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        if (tls_) {
            return tls_->async_write_some(buffers, std::forward<Token>(token));
        }
        return plain_->async_write_some(buffers, std::forward<Token>(token));
    }

    /// Sends what the socket takes at once, without waiting: one non-blocking sendmsg on a
    /// plain connection; nothing on a TLS one. Returns the bytes sent; `ec` is set by a failure
    /// only, not by a full socket buffer. Most responses fit the socket buffer whole: sent
    /// this way they skip the reactor, the completion queue and a coroutine resumption.
    template <class ConstBuffers>
    std::size_t write_now(const ConstBuffers& buffers, boost::system::error_code& ec) {
        if (tls_) {
            return 0;
        }
        const std::size_t n = plain_->send(buffers, 0, ec);
        if (ec == net::error::would_block || ec == net::error::try_again) {
            ec = {};
        }
        return n;
    }

    /// Cancels pending operations; they complete with operation_aborted.
    void cancel() noexcept {
        boost::system::error_code ignored;
        socket().cancel(ignored);
    }

    void close() noexcept {
        boost::system::error_code ignored;
        socket().close(ignored);
    }

private:
    std::optional<socket_type> plain_;
    std::unique_ptr<tls_stream> tls_;
};

}  // namespace tollgate

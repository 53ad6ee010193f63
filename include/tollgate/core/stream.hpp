// stream: a TCP connection that is plain or TLS, behind one AsyncStream interface, so that
// each Beast operation is instantiated once for both. Owned by one session or pool; not
// thread-safe (a worker is single-threaded).
#pragma once

#include "tollgate/core/net.hpp"

#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace tollgate {

class stream {
public:
    using executor_type = beast::tcp_stream::executor_type;
    using tls_stream = beast::ssl_stream<beast::tcp_stream>;

    explicit stream(beast::tcp_stream tcp) : plain_(std::move(tcp)) {}
    stream(beast::tcp_stream tcp, net::ssl::context& ctx)
        : tls_(std::make_unique<tls_stream>(std::move(tcp), ctx)) {}

    stream(stream&&) noexcept = default;
    stream& operator=(stream&&) noexcept = default;

    executor_type get_executor() noexcept { return tcp().get_executor(); }

    /// The TCP layer, for timeouts (expires_after) and socket options.
    beast::tcp_stream& tcp() noexcept { return tls_ ? tls_->next_layer() : *plain_; }

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

private:
    std::optional<beast::tcp_stream> plain_;
    std::unique_ptr<tls_stream> tls_;
};

}  // namespace tollgate

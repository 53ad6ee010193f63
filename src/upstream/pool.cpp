#include "tollgate/upstream/pool.hpp"

#include <cerrno>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <openssl/ssl.h>

namespace tollgate::upstream {
namespace {

using tcp = net::ip::tcp;

}  // namespace

bool closed_while_idle(tcp_socket& s, bool tls) noexcept {
    char c;
    const auto n = ::recv(s.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    // -1 with EAGAIN: alive and quiet. 0: the upstream closed it. Bytes on a plain
    // connection: something unasked (an error page), so the next response would not be
    // ours. On TLS, bytes may be the record layer's own (a session ticket, a key update):
    // kept; a close_notify then shows as a failed exchange, retried on a fresh connection.
    if (n > 0) {
        return !tls;
    }
    return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

connection_ptr pool::take(const std::string& key, steady_time now) {
    auto it = idle_.find(key);
    if (it == idle_.end()) {
        return nullptr;
    }
    auto& list = it->second;
    while (!list.empty()) {
        connection_ptr c = std::move(list.back());
        list.pop_back();
        if (c->expires <= now) {
            list.clear();  // the ones before it were put back earlier: expired too
            return nullptr;
        }
        if (c->buffer.size() == 0 && c->io.socket().is_open() &&
            !closed_while_idle(c->io.socket(), c->io.tls() != nullptr)) {
            c->reused = true;
            return c;
        }
    }
    return nullptr;
}

void pool::put(const std::string& key, connection_ptr c, std::size_t max_idle, steady_time now) {
    auto& list = idle_[key];
    while (!list.empty() && list.front()->expires <= now) {
        list.pop_front();
    }
    if (list.size() < max_idle && c->expires > now) {
        list.push_back(std::move(c));
    }
}

void pool::sweep(steady_time now) {
    for (auto& [key, list] : idle_) {
        while (!list.empty() && list.front()->expires <= now) {
            list.pop_front();
        }
    }
}

std::size_t pool::idle(const std::string& key) const {
    const auto it = idle_.find(key);
    return it == idle_.end() ? 0 : it->second.size();
}

task<result<connection_ptr>> connect(const server::endpoint_runtime& up, upstream_guard guard) {
    auto ex = co_await net::this_coro::executor;
    const auto& to = up.to;
    guard.timer.arm(up.cfg.connect_timeout);

    boost::system::error_code ec;
    std::vector<tcp::endpoint> endpoints;
    const auto address = net::ip::make_address(to.host, ec);
    if (!ec) {
        endpoints.emplace_back(address, to.port);
    } else {
        // getaddrinfo runs on Asio's resolver thread, never on this io thread.
        net::ip::basic_resolver<tcp, executor> resolver(ex);
        auto [rec, results] = co_await resolver.async_resolve(
            to.host, std::to_string(to.port), use_nothrow_awaitable);
        if (rec) {
            co_return error::upstream_unavailable;
        }
        for (const auto& r : results) {
            endpoints.push_back(r.endpoint());
        }
    }
    const auto failed = [&guard] {
        guard.current = nullptr;
        return guard.timer.fired ? error::upstream_timeout : error::upstream_unavailable;
    };

    tcp_socket socket(ex);
    guard.current = &socket;
    auto [cec, ep] = co_await net::async_connect(socket, endpoints, use_nothrow_awaitable);
    if (cec) {
        co_return failed();
    }
    socket.set_option(tcp::no_delay(true));
    guard.current = nullptr;
    if (!up.tls) {
        co_return std::make_unique<connection>(stream(std::move(socket)));
    }
    auto c = std::make_unique<connection>(stream(std::move(socket), *up.tls));
    auto* tls = c->io.tls();
    if (ec) {  // a host name, not an address literal: send SNI and verify the name
        // SSL_set_tlsext_host_name() is a macro with a C cast; this is what it expands to.
        SSL_ctrl(tls->native_handle(),
                 SSL_CTRL_SET_TLSEXT_HOSTNAME,
                 TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(to.host.c_str()));
    }
    if (up.cfg.verify_tls) {
        tls->set_verify_callback(net::ssl::host_name_verification(to.host));
    }
    guard.current = &c->io.socket();
    auto [hec] =
        co_await tls->async_handshake(net::ssl::stream_base::client, use_nothrow_awaitable);
    if (hec) {
        co_return failed();
    }
    guard.current = nullptr;
    co_return c;
}

}  // namespace tollgate::upstream

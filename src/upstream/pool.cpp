#include "tollgate/upstream/pool.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <openssl/ssl.h>

namespace tollgate::upstream {
namespace {

using tcp = net::ip::tcp;

}  // namespace

connection_ptr pool::take(const std::string& key) {
    auto it = idle_.find(key);
    if (it == idle_.end()) {
        return nullptr;
    }
    auto& list = it->second;
    while (!list.empty()) {
        connection_ptr c = std::move(list.back());
        list.pop_back();
        // One the upstream closed while idle fails its first write or read, and the
        // exchange retries once on a fresh connection: no probe syscall per request here.
        if (c->buffer.size() == 0 && c->io.socket().is_open()) {
            c->reused = true;
            return c;
        }
    }
    return nullptr;
}

void pool::put(const std::string& key, connection_ptr c, std::size_t max_idle) {
    auto& list = idle_[key];
    if (list.size() < max_idle) {
        list.push_back(std::move(c));
    }
}

task<result<connection_ptr>> connect(const server::upstream_runtime& up, upstream_guard guard) {
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

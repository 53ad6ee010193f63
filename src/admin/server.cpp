#include "tollgate/admin/server.hpp"

#include "tollgate/admin/audit.hpp"
#include "tollgate/admin/handlers.hpp"
#include "tollgate/server/accept_backoff.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

namespace tollgate::admin {
namespace {

namespace http = beast::http;
using tcp = net::ip::tcp;
using admin_stream = beast::basic_stream<tcp, executor>;
using error_code = boost::system::error_code;

constexpr std::size_t header_limit = 16 * 1024;

std::string_view reason_code(unsigned status) {
    switch (status) {
        case 413:
            return "request_too_large";
        case 431:
            return "headers_too_large";
        default:
            return "invalid_request";
    }
}

task<void> write_reply(admin_stream& s, reply r, bool keep_alive, unsigned version) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    res.set(http::field::server, "tollgate");
    if (!r.body.empty()) {
        res.set(http::field::content_type, r.content_type);
    }
    if (!r.allow.empty()) {
        res.set(http::field::allow, r.allow);
    }
    res.body() = std::move(r.body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    co_await http::async_write(s, res, use_nothrow_awaitable);
}

task<void> session(tcp_socket socket,
                   std::function<std::shared_ptr<const config::config>()> current,
                   std::shared_ptr<store::store> st,
                   const metrics_text& metrics,
                   audit_log* audit) {
    admin_stream s(std::move(socket));
    beast::flat_buffer buf;
    for (;;) {
        const auto cfg = current();
        http::request_parser<http::string_body> parser;
        parser.header_limit(header_limit);
        parser.body_limit(cfg->admin.max_body_bytes);
        s.expires_after(cfg->admin.timeout);
        auto [ec, n] = co_await http::async_read(s, buf, parser, use_nothrow_awaitable);
        if (ec == http::error::body_limit || ec == http::error::header_limit) {
            const unsigned status = ec == http::error::body_limit ? 413 : 431;
            co_await write_reply(
                s, error_reply(status, reason_code(status), ec.message()), false, 11);
            break;
        }
        if (ec) {
            if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
                ec != net::error::eof) {
                co_await write_reply(
                    s, error_reply(400, "invalid_request", ec.message()), false, 11);
            }
            break;
        }
        auto& msg = parser.get();
        const request req{
            msg.method_string(), msg.target(), msg[http::field::authorization], msg.body()};
        reply r = co_await handle(req, *cfg, *st, metrics, audit);
        const bool keep_alive = msg.keep_alive();
        s.expires_after(cfg->admin.timeout);
        co_await write_reply(s, std::move(r), keep_alive, msg.version());
        if (!keep_alive) {
            break;
        }
    }
    error_code ignored;
    s.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace

struct listener::impl {
    impl(net::io_context& ioc,
         std::function<std::shared_ptr<const config::config>()> cur,
         std::shared_ptr<store::store> s,
         metrics_text m)
        : acceptor(ioc.get_executor()),
          current(std::move(cur)),
          st(std::move(s)),
          metrics(std::move(m)) {
        const auto cfg = current();
        audit = std::make_unique<audit_log>(cfg->admin.audit_log);
        const tcp::endpoint ep(net::ip::make_address(cfg->admin.listen.host),
                               cfg->admin.listen.port);
        acceptor.open(ep.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen();
    }

    task<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(use_nothrow_awaitable);
            if (ec == net::error::operation_aborted || !acceptor.is_open()) {
                co_return;
            }
            if (ec) {
                // Out of descriptors: the listener stays readable, so without a pause this
                // spun on a core and wrote ~300,000 lines a second.
                const auto step = backoff.failed(std::chrono::steady_clock::now());
                if (step.log) {
                    spdlog::warn(
                        "admin accept failed: {} (pausing {} ms; {} failures since the "
                        "last line)",
                        ec.message(),
                        step.pause.count(),
                        step.hidden);
                }
                net::basic_waitable_timer<std::chrono::steady_clock,
                                          net::wait_traits<std::chrono::steady_clock>,
                                          executor>
                    pause(acceptor.get_executor(), step.pause);
                co_await pause.async_wait(use_nothrow_awaitable);
                continue;
            }
            backoff.succeeded();
            if (open >= current()->admin.max_connections) {
                static constexpr std::string_view busy =
                    "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
                    "Connection: close\r\nContent-Length: 0\r\n\r\n";
                boost::system::error_code ignored;
                socket.non_blocking(true, ignored);
                socket.send(net::buffer(busy), 0, ignored);
                socket.close(ignored);
                continue;
            }
            ++open;
            net::co_spawn(acceptor.get_executor(),
                          session(std::move(socket), current, st, metrics, audit.get()),
                          [this](std::exception_ptr e) {
                              --open;
                              if (e) {
                                  try {
                                      std::rethrow_exception(e);
                                  } catch (const std::exception& ex) {
                                      spdlog::error("admin request failed: {}", ex.what());
                                  }
                              }
                          });
        }
    }

    net::basic_socket_acceptor<tcp, executor> acceptor;
    std::function<std::shared_ptr<const config::config>()> current;
    std::shared_ptr<store::store> st;
    metrics_text metrics;  // outlives every session: the listener outlives the control thread
    std::unique_ptr<audit_log> audit;  // admin.audit_log, opened at start
    server::accept_backoff backoff;
    std::size_t open = 0;  // admin connections being served (control thread only)
};

listener::listener(net::io_context& ioc,
                   std::function<std::shared_ptr<const config::config>()> current,
                   std::shared_ptr<store::store> st,
                   std::function<std::string()> metrics)
    : impl_(std::make_unique<impl>(ioc, std::move(current), std::move(st), std::move(metrics))) {}

listener::~listener() = default;

void listener::start() {
    net::co_spawn(impl_->acceptor.get_executor(), impl_->accept_loop(), net::detached);
}

void listener::stop() {
    // Called from the signal handler's thread: the acceptor belongs to the control thread.
    net::post(impl_->acceptor.get_executor(), [i = impl_.get()] {
        error_code ignored;
        i->acceptor.close(ignored);
    });
}

std::uint16_t listener::port() const {
    return impl_->acceptor.local_endpoint().port();
}

}  // namespace tollgate::admin

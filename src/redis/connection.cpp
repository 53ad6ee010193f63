#include "tollgate/redis/connection.hpp"

#include "tollgate/core/error.hpp"
#include "tollgate/core/stream.hpp"

#include <array>
#include <deque>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

namespace tollgate::redis {

using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using timer = net::basic_waitable_timer<std::chrono::steady_clock,
                                        net::wait_traits<std::chrono::steady_clock>,
                                        executor>;

namespace {

// One batch waiting for its replies.
struct pending {
    pending(executor ex, std::size_t n) : wake(ex), expected(n) {}
    timer wake;  // its deadline; cancelled early when the replies are in or the link fails
    std::size_t expected;
    std::vector<value> replies;
    bool done = false;
    error_code ec;
};

}  // namespace

struct connection::state : std::enable_shared_from_this<connection::state> {
    state(net::io_context& ioc, settings st)
        : ex(ioc.get_executor()), cfg(std::move(st)), deadline(ex), backoff(ex), resolver(ex) {}

    executor ex;
    settings cfg;
    std::optional<stream> io;
    timer deadline;  // connect + handshake
    timer backoff;
    net::ip::basic_resolver<tcp, executor> resolver;
    std::string outbuf;                          // formatted commands not yet written
    std::string sending;                         // what the writer is writing
    std::deque<std::shared_ptr<pending>> queue;  // in write order
    std::size_t in_flight = 0;                   // commands written or queued, not answered
    bool ready = false;
    std::uint64_t sessions = 0;  // successful connects so far
    bool writing = false;
    bool closed = false;
    bool was_down = false;
    connection::counts counted;
    // Subscriber mode.
    std::string channel;
    std::function<void(std::string_view)> on_message;
    std::function<void()> on_connect;

    void fail_all(error_code ec) {
        for (auto& p : queue) {
            p->done = true;
            p->ec = ec;
            p->wake.cancel();
        }
        queue.clear();
        outbuf.clear();
        in_flight = 0;
    }

    void abort_io() {
        error_code ignored;
        resolver.cancel();
        if (io) {
            io->close();
        }
    }

    void deliver(value v) {
        if (on_message) {
            // ["message", channel, payload]; subscribe confirmations are ignored.
            if (v.type == value::kind::array && v.elements.size() == 3 &&
                v.elements[0].str == "message") {
                on_message(v.elements[2].str);
            }
            return;
        }
        if (queue.empty()) {
            return;  // cannot happen with a well-behaved server
        }
        auto& p = queue.front();
        p->replies.push_back(std::move(v));
        --in_flight;
        if (p->replies.size() == p->expected) {
            p->done = true;
            p->wake.cancel();
            queue.pop_front();
        }
    }

    void kick_writer() {
        if (writing || !ready || outbuf.empty()) {
            return;
        }
        writing = true;
        net::co_spawn(ex, write_loop(shared_from_this()), net::detached);
    }

    static task<void> write_loop(std::shared_ptr<state> self) {
        while (self->ready && !self->outbuf.empty()) {
            self->sending.swap(self->outbuf);
            self->outbuf.clear();
            auto [ec, n] = co_await net::async_write(
                *self->io, net::buffer(self->sending), use_nothrow_awaitable);
            self->sending.clear();
            if (ec) {
                self->abort_io();  // the read loop sees it and reconnects
                break;
            }
        }
        self->writing = false;
    }

    // Writes `bytes` and reads `replies` replies during the handshake; the first error reply
    // (or I/O error) is returned as text.
    task<std::string> handshake_round(const std::string& bytes, std::size_t replies, reader& rd) {
        auto [wec, wn] = co_await net::async_write(*io, net::buffer(bytes), use_nothrow_awaitable);
        if (wec) {
            co_return wec.message();
        }
        std::array<char, 4096> buf;
        std::size_t got = 0;
        while (got < replies) {
            while (got < replies) {
                auto v = rd.next();
                if (!v) {
                    break;
                }
                ++got;
                if (v->is_error()) {
                    co_return v->str;
                }
            }
            if (rd.failed()) {
                co_return "protocol error";
            }
            if (got == replies) {
                break;
            }
            auto [ec, n] = co_await io->async_read_some(net::buffer(buf), use_nothrow_awaitable);
            if (ec) {
                co_return ec.message();
            }
            rd.feed(std::string_view(buf.data(), n));
        }
        co_return "";
    }

    // Connects, TLS, AUTH, SELECT, SUBSCRIBE: "" on success, else why not.
    task<std::string> connect(reader& rd) {
        deadline.expires_after(cfg.connect_timeout);
        deadline.async_wait([weak = weak_from_this()](const error_code& ec) {
            if (auto self = weak.lock(); self && !ec) {
                self->abort_io();
            }
        });
        auto [rec, results] = co_await resolver.async_resolve(
            cfg.where.host, std::to_string(cfg.where.port), use_nothrow_awaitable);
        if (rec) {
            co_return "resolve " + cfg.where.host + ": " + rec.message();
        }
        tcp_socket socket(ex);
        if (cfg.where.tls) {
            io.emplace(std::move(socket), *cfg.tls);
        } else {
            io.emplace(std::move(socket));
        }
        auto [cec, ep] = co_await net::async_connect(io->socket(), results, use_nothrow_awaitable);
        if (cec) {
            co_return cec.message();
        }
        io->socket().set_option(tcp::no_delay(true));
        if (auto* tls = io->tls()) {
            // SSL_set_tlsext_host_name() is a macro with a C cast; this is what it expands to.
            SSL_ctrl(tls->native_handle(),
                     SSL_CTRL_SET_TLSEXT_HOSTNAME,
                     TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(cfg.where.host.c_str()));
            if (cfg.verify_tls) {
                tls->set_verify_callback(net::ssl::host_name_verification(cfg.where.host));
            }
            auto [hec] =
                co_await tls->async_handshake(net::ssl::stream_base::client, use_nothrow_awaitable);
            if (hec) {
                co_return "TLS: " + hec.message();
            }
        }
        std::string hello;
        std::size_t replies = 0;
        if (!cfg.where.password.empty()) {
            command auth{"AUTH"};
            if (!cfg.where.user.empty()) {
                auth.push_back(cfg.where.user);
            }
            auth.push_back(cfg.where.password);
            append_command(hello, auth);
            ++replies;
        }
        if (cfg.where.db != 0) {
            append_command(hello, command{"SELECT", std::to_string(cfg.where.db)});
            ++replies;
        }
        if (!channel.empty()) {
            append_command(hello, command{"SUBSCRIBE", channel});
            ++replies;
        }
        if (replies > 0) {
            if (auto why = co_await handshake_round(hello, replies, rd); !why.empty()) {
                co_return why;
            }
        }
        deadline.cancel();
        co_return "";
    }

    task<void> read_loop(reader& rd) {
        std::array<char, 16 * 1024> buf;
        for (;;) {
            while (auto v = rd.next()) {
                deliver(std::move(*v));
            }
            if (rd.failed()) {
                spdlog::error(
                    "redis {}:{}: protocol error; reconnecting", cfg.where.host, cfg.where.port);
                co_return;
            }
            auto [ec, n] = co_await io->async_read_some(net::buffer(buf), use_nothrow_awaitable);
            if (ec) {
                co_return;
            }
            rd.feed(std::string_view(buf.data(), n));
        }
    }

    static task<void> run_loop(std::shared_ptr<state> self) {
        auto delay = std::chrono::milliseconds(50);
        while (!self->closed) {
            reader rd;
            const std::string why = co_await self->connect(rd);
            self->deadline.cancel();
            if (why.empty() && !self->closed) {
                delay = std::chrono::milliseconds(50);
                if (self->was_down) {
                    spdlog::info(
                        "redis {}:{}: connected again", self->cfg.where.host, self->cfg.where.port);
                }
                self->was_down = false;
                self->ready = true;
                ++self->sessions;
                if (self->on_connect) {
                    self->on_connect();
                }
                self->kick_writer();
                co_await self->read_loop(rd);
                self->ready = false;
                if (!self->closed) {
                    spdlog::warn("redis {}:{}: connection lost; reconnecting",
                                 self->cfg.where.host,
                                 self->cfg.where.port);
                    self->was_down = true;
                }
            } else if (!self->closed) {
                if (!self->was_down || delay == self->cfg.reconnect_max) {
                    spdlog::warn("redis {}:{}: cannot connect: {} (retrying, backoff up to {}ms)",
                                 self->cfg.where.host,
                                 self->cfg.where.port,
                                 why,
                                 self->cfg.reconnect_max.count());
                }
                self->was_down = true;
            }
            self->abort_io();
            self->io.reset();
            self->fail_all(error::store_unavailable);
            if (self->closed) {
                break;
            }
            self->backoff.expires_after(delay);
            co_await self->backoff.async_wait(use_nothrow_awaitable);
            delay = std::min(delay * 2, self->cfg.reconnect_max);
        }
    }
};

std::shared_ptr<net::ssl::context> make_tls_context(const std::string& ca_file, bool verify) {
    namespace ssl = net::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                     ssl::context::no_tlsv1_1);
    error_code ec;
    if (!ca_file.empty()) {
        ctx->load_verify_file(ca_file, ec);
    } else {
        ctx->set_default_verify_paths(ec);
    }
    if (ec) {
        throw std::runtime_error("store.ca_file: cannot load CA certificates: " + ec.message());
    }
    ctx->set_verify_mode(verify ? ssl::verify_peer : ssl::verify_none);
    return ctx;
}

std::shared_ptr<connection> connection::open(net::io_context& ioc, settings s) {
    auto st = std::make_shared<state>(ioc, std::move(s));
    std::shared_ptr<connection> c(new connection(st));
    // Posted, so a subscribe() right after open() is in place before the first connect.
    net::post(st->ex, [st] { net::co_spawn(st->ex, state::run_loop(st), net::detached); });
    return c;
}

connection::~connection() {
    close();
}

void connection::close() {
    // From the owning thread: the state's coroutines hold it alive until they see `closed`.
    auto& s = *s_;
    if (s.closed) {
        return;
    }
    s.closed = true;
    s.ready = false;
    s.deadline.cancel();
    s.backoff.cancel();
    s.abort_io();
    s.fail_all(error::store_unavailable);
}

bool connection::connected() const noexcept {
    return s_->ready;
}

std::uint64_t connection::session() const noexcept {
    return s_->ready ? s_->sessions : 0;
}

const connection::counts& connection::stats() const noexcept {
    return s_->counted;
}

void connection::subscribe(std::string channel,
                           std::function<void(std::string_view)> on_message,
                           std::function<void()> on_connect) {
    s_->channel = std::move(channel);
    s_->on_message = std::move(on_message);
    s_->on_connect = std::move(on_connect);
}

task<result<std::vector<value>>> connection::run(std::vector<command> batch) {
    auto self = s_;  // the state outlives this call even if the connection handle goes
    ++self->counted.batches;
    if (self->closed || !self->ready) {
        ++self->counted.errors;
        co_return error::store_unavailable;
    }
    if (self->in_flight + batch.size() > self->cfg.max_pending) {
        ++self->counted.errors;
        co_return error::store_overloaded;
    }
    const auto sent = std::chrono::steady_clock::now();
    auto p = std::make_shared<pending>(self->ex, batch.size());
    p->wake.expires_after(self->cfg.command_timeout);
    for (const auto& cmd : batch) {
        append_command(self->outbuf, cmd);
    }
    self->in_flight += batch.size();
    self->queue.push_back(p);
    self->kick_writer();
    co_await p->wake.async_wait(use_nothrow_awaitable);
    if (!p->done) {
        // The deadline passed. The replies may still come: the batch stays queued so the
        // replies after it are matched correctly, but nobody waits for it any more.
        ++self->counted.timeouts;
        co_return error::store_timeout;
    }
    if (p->ec) {
        ++self->counted.errors;
        co_return p->ec;
    }
    self->counted.latency.observe(std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - sent));
    co_return std::move(p->replies);
}

task<result<value>> connection::run(command one) {
    std::vector<command> batch;
    batch.push_back(std::move(one));
    auto r = co_await run(std::move(batch));
    if (!r) {
        co_return r.error();
    }
    co_return std::move(r->front());
}

}  // namespace tollgate::redis

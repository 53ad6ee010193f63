#include "tollgate/server/server.hpp"

#include "tollgate/admin/server.hpp"
#include "tollgate/config/load.hpp"
#include "tollgate/metrics/exposition.hpp"
#include "tollgate/proxy/session.hpp"
#include "tollgate/server/accept_backoff.hpp"
#include "tollgate/server/connection_gate.hpp"
#include "tollgate/server/count_pool.hpp"
#include "tollgate/server/worker.hpp"
#include "tollgate/store/backend.hpp"

#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

namespace tollgate::server {
namespace {

using tcp = net::ip::tcp;
using workers_t = std::vector<std::unique_ptr<worker>>;

// The live config for threads other than the workers (the admin API); swapped on reload.
class config_holder {
public:
    explicit config_holder(std::shared_ptr<const config::config> c) : current_(std::move(c)) {}
    std::shared_ptr<const config::config> get() const {
        std::lock_guard lock(m_);
        return current_;
    }
    void set(std::shared_ptr<const config::config> c) {
        std::lock_guard lock(m_);
        current_ = std::move(c);
    }

private:
    mutable std::mutex m_;
    std::shared_ptr<const config::config> current_;
};

void on_task_end(std::exception_ptr e) {
    if (!e) {
        return;
    }
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        spdlog::error("internal error: a task ended with an exception: {}", ex.what());
    }
}

// Runs on the worker's thread: the socket is registered with the worker's reactor by the
// only thread that ever does I/O on it (what lets that reactor run without locks).
// The client address of an accepted socket, as the gate counts it.
address_key address_of(const sockaddr_storage& peer) {
    address_key key{};
    if (peer.ss_family == AF_INET6) {
        const auto& a6 = reinterpret_cast<const sockaddr_in6&>(peer);
        std::memcpy(key.data(), &a6.sin6_addr, 16);
    } else if (peer.ss_family == AF_INET) {
        const auto& a4 = reinterpret_cast<const sockaddr_in&>(peer);
        key[10] = 0xff;
        key[11] = 0xff;
        std::memcpy(key.data() + 12, &a4.sin_addr, 4);
    }
    return key;
}

void start_session(worker& w, int fd, tcp protocol, connection_gate& gate, address_key from) {
    tcp_socket socket(w.ioc().get_executor());
    boost::system::error_code ec;
    socket.assign(protocol, fd, ec);
    if (ec) {
        ::close(fd);
        gate.release(from);
        return;
    }
    net::co_spawn(
        w.ioc(), proxy::run_session(std::move(socket), w), [&gate, from](std::exception_ptr e) {
            gate.release(from);
            on_task_end(e);
        });
}

// A connection past a cap: told so in one write that never waits, then closed.
void refuse(int fd) {
    static constexpr std::string_view body =
        R"({"error":{"message":"too many connections; retry later","type":"api_error",)"
        R"("code":"too_many_connections"}})";
    static const std::string answer =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
    const ssize_t ignored = ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)ignored;
    ::close(fd);
}

// Waits for pending connections, accepts each with accept4 and hands the descriptor to the
// next worker in turn, within the gate's caps.
task<void> accept_loop(tcp::acceptor& acceptor, workers_t& workers, connection_gate& gate) {
    const tcp protocol = acceptor.local_endpoint().protocol();
    acceptor.non_blocking(true);
    std::size_t next = 0;
    accept_backoff backoff;
    std::size_t refused = 0;
    for (;;) {
        auto [ec] =
            co_await acceptor.async_wait(net::socket_base::wait_read, use_nothrow_awaitable);
        if (ec == net::error::operation_aborted || !acceptor.is_open()) {
            co_return;
        }
        for (;;) {
            sockaddr_storage peer{};
            socklen_t len = sizeof peer;
            const int fd = ::accept4(acceptor.native_handle(),
                                     reinterpret_cast<sockaddr*>(&peer),
                                     &len,
                                     SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0) {
                backoff.succeeded();
                const address_key from = address_of(peer);
                if (gate.admit(from) != connection_gate::verdict::admitted) {
                    refuse(fd);
                    if (refused++ % 1000 == 0) {
                        spdlog::warn(
                            "connection refused with 503: at server.limits."
                            "max_connections or max_connections_per_address ({} so far)",
                            refused);
                    }
                    continue;
                }
                worker& w = *workers[next];
                next = (next + 1) % workers.size();
                net::post(w.ioc(), [&w, fd, protocol, &gate, from] {
                    start_session(w, fd, protocol, gate, from);
                });
                continue;
            }
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                // Out of descriptors and the like: keep serving, without spinning or flooding
                // the log (a pending connection keeps the socket readable).
                const auto step = backoff.failed(std::chrono::steady_clock::now());
                if (step.log) {
                    spdlog::warn(
                        "accept failed: {} (pausing {} ms; {} failures since the "
                        "last line)",
                        std::strerror(errno),
                        step.pause.count(),
                        step.hidden);
                }
                net::steady_timer pause(acceptor.get_executor(), step.pause);
                co_await pause.async_wait(use_nothrow_awaitable);
            }
            break;
        }
    }
}

// The keys whose change a reload cannot apply (they take a restart), changed from `was`.
std::vector<std::string_view> unreloadable_changes(const config::config& was,
                                                   const config::config& now) {
    std::vector<std::string_view> out;
    const auto same = [](const config::endpoint& a, const config::endpoint& b) {
        return a.host == b.host && a.port == b.port;
    };
    if (!same(was.server.listen, now.server.listen)) {
        out.push_back("server.listen");
    }
    if (was.server.threads != now.server.threads) {
        out.push_back("server.threads");
    }
    if (!same(was.admin.listen, now.admin.listen)) {
        out.push_back("admin.listen");
    }
    if (was.tokenizer.count_threads != now.tokenizer.count_threads) {
        out.push_back("tokenizer.count_threads");
    }
    if (was.admin.audit_log != now.admin.audit_log) {
        out.push_back("admin.audit_log");
    }
    if (was.metrics.max_series != now.metrics.max_series) {
        out.push_back("metrics.max_series");
    }
    if (was.store.kind != now.store.kind || was.store.path != now.store.path ||
        was.store.url != now.store.url) {
        out.push_back("store");
    }
    return out;
}

void reload(const std::string& path, workers_t& workers, config_holder& holder) {
    auto loaded = config::load_config(path);
    if (!loaded.problems.empty()) {
        for (const auto& p : loaded.problems) {
            spdlog::error("reload rejected: {}", config::to_string(p));
        }
        return;
    }
    const auto running = holder.get();
    for (const auto key : unreloadable_changes(*running, loaded.value)) {
        spdlog::warn("reload: {} changed; it takes a restart, the running value stays", key);
    }
    // What cannot change live keeps its running value, so the runtime says what runs.
    loaded.value.server.listen = running->server.listen;
    loaded.value.server.threads = running->server.threads;
    loaded.value.admin.listen = running->admin.listen;
    loaded.value.tokenizer.count_threads = running->tokenizer.count_threads;
    loaded.value.store.kind = running->store.kind;
    loaded.value.store.path = running->store.path;
    loaded.value.store.url = running->store.url;
    auto rt = build_runtime(loaded.value);
    for (auto& w : workers) {
        w->swap_runtime(rt);
    }
    holder.set(std::shared_ptr<const config::config>(rt, &rt->cfg));
    spdlog::info("configuration reloaded from {}", path);
}

// A reload that fails in any way keeps the running config and, above all, the signal loop:
// a SIGTERM after a bad reload must still drain (an exception once ended the loop).
void reload_safely(const std::string& path, workers_t& workers, config_holder& holder) {
    try {
        reload(path, workers, holder);
    } catch (const std::exception& e) {
        spdlog::error("reload rejected: {}", e.what());
    } catch (...) {
        spdlog::error("reload rejected: an unknown error");
    }
}

task<void> signal_loop(net::signal_set& signals,
                       tcp::acceptor& acceptor,
                       workers_t& workers,
                       config_holder& holder,
                       admin::listener& admin_api,
                       std::string path) {
    for (;;) {
        auto [ec, signo] = co_await signals.async_wait(use_nothrow_awaitable);
        if (ec) {
            co_return;
        }
        if (signo == SIGHUP) {
            reload_safely(path, workers, holder);
            continue;
        }
        spdlog::info("signal {}: draining in-flight requests", signo);
        boost::system::error_code ignored;
        acceptor.close(ignored);
        admin_api.stop();
        for (auto& w : workers) {
            w->start_draining();
        }
        co_return;
    }
}

// Waits for the workers to finish their sessions, abandoning them after `deadline`.
void join_workers(workers_t& workers, std::chrono::milliseconds deadline) {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    std::thread watchdog([&] {
        std::unique_lock lock(m);
        if (!cv.wait_for(lock, deadline, [&] { return done; })) {
            spdlog::warn("drain deadline passed: closing the remaining connections");
            for (auto& w : workers) {
                w->stop();
            }
        }
    });
    for (auto& w : workers) {
        w->join();
    }
    {
        std::lock_guard lock(m);
        done = true;
    }
    cv.notify_all();
    watchdog.join();
}

}  // namespace

int run_server(const std::string& config_path, std::shared_ptr<const runtime> rt) {
    const auto& cfg = rt->cfg;
    const unsigned threads = worker_count(cfg);

    net::io_context main_ioc{1};
    tcp::endpoint endpoint(net::ip::make_address(cfg.server.listen.host), cfg.server.listen.port);
    tcp::acceptor acceptor(main_ioc);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);

    // The control thread: the Admin API and the store's invalidation feed.
    auto backend = store::open_backend(cfg.store);
    net::io_context control_ioc{1};
    config_holder holder(std::shared_ptr<const config::config>(rt, &rt->cfg));
    // GET /metrics sums the workers' counters (filled in below, before the control thread
    // starts).
    std::vector<const metrics::worker_metrics*> metric_sources;
    const metrics::process_facts facts{
        TOLLGATE_VERSION,
        cfg.store.kind == config::store_kind::redis ? "redis" : "memory",
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count()};
    admin::listener admin_api(
        control_ioc,
        [&holder] { return holder.get(); },
        backend->open(control_ioc),
        [&metric_sources, facts] { return metrics::render(metric_sources, facts); });

    // Under fail_open, quotas are kept in-process while Redis is down (docs/METERING.md).
    std::unique_ptr<store::backend> fallback;
    if (cfg.store.kind == config::store_kind::redis) {
        fallback = store::open_backend(config::store_config{});
    }
    // Before the workers: their sessions release into it until the last one ends.
    connection_gate gate(cfg.server.limits.max_connections,
                         cfg.server.limits.max_connections_per_address);
    // Before the workers, which hand it their large prompts until they end.
    count_pool counting(cfg.tokenizer.count_threads);
    workers_t workers;
    for (unsigned i = 0; i < threads; ++i) {
        workers.push_back(std::make_unique<worker>(rt));
        workers.back()->use_count_pool(&counting);
        workers.back()->start(*backend, fallback.get());
        metric_sources.push_back(&workers.back()->metrics());
    }
    backend->watch(control_ioc, [&workers](const store::invalidation& inv) {
        for (auto& w : workers) {
            w->invalidate(inv);
        }
    });
    admin_api.start();
    auto control_guard = net::make_work_guard(control_ioc);
    std::thread control([&control_ioc] { control_ioc.run(); });

    net::signal_set signals(main_ioc, SIGINT, SIGTERM, SIGHUP);
    net::co_spawn(main_ioc, accept_loop(acceptor, workers, gate), on_task_end);
    net::co_spawn(main_ioc,
                  signal_loop(signals, acceptor, workers, holder, admin_api, config_path),
                  on_task_end);
    spdlog::info("tollgate listening on {}:{} with {} workers{}; admin API on {}:{}; store: {}",
                 cfg.server.listen.host,
                 acceptor.local_endpoint().port(),
                 threads,
                 rt->server_tls ? " (TLS)" : "",
                 cfg.admin.listen.host,
                 admin_api.port(),
                 cfg.store.kind == config::store_kind::redis ? "redis" : "memory");
    if (!cfg.auth.enabled) {
        spdlog::warn("auth.enabled is false: the proxy serves requests without API keys");
    }
    main_ioc.run();
    join_workers(workers, cfg.server.drain_timeout);
    // A count still running views a body its connection holds: done before they go.
    counting.join();
    control_guard.reset();
    control_ioc.stop();
    control.join();
    spdlog::info("tollgate stopped");
    return 0;
}

}  // namespace tollgate::server

#include "tollgate/server/server.hpp"

#include "tollgate/config/load.hpp"
#include "tollgate/proxy/session.hpp"
#include "tollgate/server/worker.hpp"

#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <mutex>
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
void start_session(worker& w, int fd, tcp protocol) {
    tcp_socket socket(w.ioc().get_executor());
    boost::system::error_code ec;
    socket.assign(protocol, fd, ec);
    if (ec) {
        ::close(fd);
        return;
    }
    net::co_spawn(w.ioc(), proxy::run_session(std::move(socket), w), on_task_end);
}

// Waits for pending connections, accepts each with accept4 and hands the descriptor to the
// next worker in turn.
task<void> accept_loop(tcp::acceptor& acceptor, workers_t& workers) {
    const tcp protocol = acceptor.local_endpoint().protocol();
    acceptor.non_blocking(true);
    std::size_t next = 0;
    for (;;) {
        auto [ec] =
            co_await acceptor.async_wait(net::socket_base::wait_read, use_nothrow_awaitable);
        if (ec == net::error::operation_aborted || !acceptor.is_open()) {
            co_return;
        }
        for (;;) {
            const int fd =
                ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0) {
                worker& w = *workers[next];
                next = (next + 1) % workers.size();
                net::post(w.ioc(), [&w, fd, protocol] { start_session(w, fd, protocol); });
                continue;
            }
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                // Out of descriptors and the like: say so, breathe, keep serving.
                spdlog::warn("accept failed: {}", std::strerror(errno));
                net::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
                co_await pause.async_wait(use_nothrow_awaitable);
            }
            break;
        }
    }
}

void reload(const std::string& path, workers_t& workers) {
    auto loaded = config::load_config(path);
    if (!loaded.problems.empty()) {
        for (const auto& p : loaded.problems) {
            spdlog::error("reload rejected: {}", config::to_string(p));
        }
        return;
    }
    try {
        auto rt = build_runtime(loaded.value);
        for (auto& w : workers) {
            w->swap_runtime(rt);
        }
        spdlog::info("configuration reloaded from {} (listen addresses change only on restart)",
                     path);
    } catch (const std::exception& e) {
        spdlog::error("reload rejected: {}", e.what());
    }
}

task<void> signal_loop(net::signal_set& signals,
                       tcp::acceptor& acceptor,
                       workers_t& workers,
                       std::string path) {
    for (;;) {
        auto [ec, signo] = co_await signals.async_wait(use_nothrow_awaitable);
        if (ec) {
            co_return;
        }
        if (signo == SIGHUP) {
            reload(path, workers);
            continue;
        }
        spdlog::info("signal {}: draining in-flight requests", signo);
        boost::system::error_code ignored;
        acceptor.close(ignored);
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
    unsigned threads =
        cfg.server.threads ? cfg.server.threads : std::thread::hardware_concurrency();
    threads = std::max(1u, threads);

    net::io_context main_ioc{1};
    tcp::endpoint endpoint(net::ip::make_address(cfg.server.listen.host), cfg.server.listen.port);
    tcp::acceptor acceptor(main_ioc);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);

    workers_t workers;
    for (unsigned i = 0; i < threads; ++i) {
        workers.push_back(std::make_unique<worker>(rt));
        workers.back()->start();
    }
    net::signal_set signals(main_ioc, SIGINT, SIGTERM, SIGHUP);
    net::co_spawn(main_ioc, accept_loop(acceptor, workers), on_task_end);
    net::co_spawn(main_ioc, signal_loop(signals, acceptor, workers, config_path), on_task_end);
    spdlog::info("tollgate listening on {}:{} with {} workers{}",
                 cfg.server.listen.host,
                 acceptor.local_endpoint().port(),
                 threads,
                 rt->server_tls ? " (TLS)" : "");
    main_ioc.run();
    join_workers(workers, cfg.server.drain_timeout);
    spdlog::info("tollgate stopped");
    return 0;
}

}  // namespace tollgate::server

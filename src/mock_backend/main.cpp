// tollgate-mock: the project's own mock LLM backend (OpenAI and Anthropic shapes, JSON and
// SSE, usage, test behaviours). Used by the demo, the tests and the benchmarks.
#include "replies.hpp"
#include "request_parser.hpp"
#include "tollgate/config/units.hpp"
#include "tollgate/core/net.hpp"

#include <atomic>
#include <iostream>
#include <mutex>
#include <sys/socket.h>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <nlohmann/json.hpp>

namespace {

using namespace tollgate;
namespace http = beast::http;
using tcp = net::ip::tcp;
// The mock runs one io_context on several threads with the default (type-erased) executor.
constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);
using namespace net::experimental::awaitable_operators;

// How the mock treats a keep-alive connection that waits for its next request, as servers
// do: uvicorn (vLLM) and Node close it after 5 s, llama.cpp too; some reset it instead.
struct keep_alive_policy {
    std::chrono::milliseconds timeout{0};  // 0: keep it open until the peer closes it
    bool reset = false;                    // at the timeout send a reset instead of a FIN
    bool announce = false;                 // say so in `Keep-Alive: timeout=N`, as Node does
};
keep_alive_policy idle_policy;

// Test behaviours for every request that does not name its own (`--behave
// x-mock-status=503`): an endpoint that always fails, stalls or is slow.
std::vector<std::pair<std::string, std::string>> default_behaviours;

std::optional<std::string_view> default_behaviour(std::string_view name) {
    for (const auto& [n, v] : default_behaviours) {
        if (n == name) {
            return v;
        }
    }
    return std::nullopt;
}

struct stats {
    std::atomic<long> connections{0};  // accepted
    std::atomic<long> requests{0};
    std::atomic<long> streams_completed{0};
    std::atomic<long> streams_aborted{0};
    // What a provider would bill: the prompt of each 2xx answer begun, and the completion
    // tokens of the pieces actually sent.
    std::atomic<long> billed_prompt_tokens{0};
    std::atomic<long> billed_completion_tokens{0};
    std::mutex m;
    // The last request's fields, swapped in whole: turned into JSON only when the stats are
    // asked for, so that recording costs the same however many headers a proxy forwards
    // (the load benchmark runs the mock on the same cores as the proxy it measures).
    std::vector<std::pair<std::string, std::string>> last_headers;
    std::size_t last_header_count = 0;
};
stats counters;

std::string head_of(const mock::reply_plan& p, std::size_t content_length, bool keep_alive) {
    std::string h =
        "HTTP/1.1 " + std::to_string(p.status) + (p.status < 400 ? " OK" : " Error") + "\r\n";
    h += "Content-Type: " + p.content_type + "\r\n";
    h += p.stream ? "Transfer-Encoding: chunked\r\n"
                  : "Content-Length: " + std::to_string(content_length) + "\r\n";
    h += keep_alive ? "" : "Connection: close\r\n";
    if (keep_alive && idle_policy.announce) {
        const auto secs =
            std::chrono::duration_cast<std::chrono::seconds>(idle_policy.timeout).count();
        h += "Keep-Alive: timeout=" + std::to_string(secs) + "\r\n";
    }
    return h + "\r\n";
}

// Swaps the request's fields with the last recorded ones: the request gets the older strings
// back, to reuse their capacity (its fields are not read after this).
void record(mock::parsed_request& req) {
    ++counters.requests;
    std::lock_guard lock(counters.m);
    std::swap(counters.last_headers, req.fields);
    std::swap(counters.last_header_count, req.field_count);
}

nlohmann::json headers_json() {
    nlohmann::json h = nlohmann::json::object();
    for (std::size_t i = 0; i < counters.last_header_count; ++i) {
        h[counters.last_headers[i].first] = counters.last_headers[i].second;
    }
    return h;
}

std::string stats_json() {
    std::lock_guard lock(counters.m);
    return nlohmann::json{{"connections", counters.connections.load()},
                          {"requests", counters.requests.load()},
                          {"streams_completed", counters.streams_completed.load()},
                          {"streams_aborted", counters.streams_aborted.load()},
                          {"billed_prompt_tokens", counters.billed_prompt_tokens.load()},
                          {"billed_completion_tokens", counters.billed_completion_tokens.load()},
                          {"last_headers", headers_json()}}
        .dump();
}

net::awaitable<bool> pause(beast::tcp_stream& s, std::chrono::milliseconds d) {
    if (d.count() <= 0) {
        co_return true;
    }
    net::steady_timer t(s.get_executor(), d);
    auto [ec] = co_await t.async_wait(use_nothrow);
    co_return !ec;
}

// Whether the peer has closed its side (a provider stops generating then): a read that would
// return end-of-stream, without consuming anything.
bool peer_closed(beast::tcp_stream& s) {
    char c;
    return ::recv(s.socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

// Bills a piece before it is written (so the stats never trail what the gateway has seen),
// and takes it back (sign -1) if the write fails.
void bill(const mock::reply_plan& p, std::size_t piece, long sign = 1) {
    if (p.status / 100 == 2 && piece < p.piece_tokens.size()) {
        counters.billed_completion_tokens += sign * p.piece_tokens[piece];
    }
}

// Plays a plan; false when the connection must close.
net::awaitable<bool> play(beast::tcp_stream& s, const mock::reply_plan& p, bool keep_alive) {
    if (!co_await pause(s, p.head_delay) || peer_closed(s)) {
        co_return false;
    }
    if (p.status / 100 == 2) {
        counters.billed_prompt_tokens += p.prompt_tokens;
    }
    if (!p.stream) {
        const std::string body = p.pieces.empty() ? "" : p.pieces.front();
        const std::string head = head_of(p, body.size(), keep_alive && p.drop_after < 0);
        const std::string out = p.drop_after == 0 ? head : head + body;
        if (p.drop_after != 0) {
            bill(p, 0);
        }
        auto [ec, n] = co_await net::async_write(s, net::buffer(out), use_nothrow);
        if (ec && p.drop_after != 0) {
            bill(p, 0, -1);
        }
        co_return !ec && p.drop_after < 0 && keep_alive;
    }
    auto [hec, hn] =
        co_await net::async_write(s, net::buffer(head_of(p, 0, keep_alive)), use_nothrow);
    for (std::size_t i = 0; !hec && i < p.pieces.size(); ++i) {
        if (static_cast<int>(i) == p.drop_after) {
            s.socket().close();
            co_return false;
        }
        if (i > 0 && !co_await pause(s, p.piece_delay)) {
            co_return false;
        }
        if (peer_closed(s)) {
            ++counters.streams_aborted;
            co_return false;
        }
        char size[20];
        const int len = std::snprintf(size, sizeof size, "%zx\r\n", p.pieces[i].size());
        const std::array<net::const_buffer, 3> chunk{
            net::buffer(size, static_cast<std::size_t>(len)),
            net::buffer(p.pieces[i]),
            net::buffer("\r\n", 2)};
        bill(p, i);
        auto [ec, n] = co_await net::async_write(s, chunk, use_nothrow);
        if (ec) {
            bill(p, i, -1);
            ++counters.streams_aborted;
            co_return false;
        }
    }
    auto [ec, n] = co_await net::async_write(s, net::buffer("0\r\n\r\n", 5), use_nothrow);
    if (ec) {
        ++counters.streams_aborted;
        co_return false;
    }
    ++counters.streams_completed;
    co_return keep_alive;
}

net::awaitable<void> session(tcp::socket socket) {
    socket.set_option(tcp::no_delay(true));
    beast::tcp_stream s(std::move(socket));
    beast::flat_buffer buf;
    mock::parsed_request req;  // reused: its strings keep their capacity
    ++counters.connections;
    for (bool first = true;; first = false) {
        mock::request_parser parser(req);
        parser.body_limit(64 * 1024 * 1024);
        if (!first && idle_policy.timeout.count() > 0 && buf.size() == 0) {
            // The wait for the next request is bounded, as a real server bounds it; the
            // request's own bytes then get a generous deadline of their own.
            net::steady_timer timer(s.get_executor(), idle_policy.timeout);
            const auto woke =
                co_await (s.socket().async_wait(tcp::socket::wait_read, use_nothrow) ||
                          timer.async_wait(use_nothrow));
            const bool timed_out = woke.index() == 1;
            if (timed_out || peer_closed(s)) {
                if (idle_policy.reset && timed_out) {
                    s.socket().set_option(net::socket_base::linger(true, 0));
                    s.socket().close();
                    co_return;
                }
                break;
            }
        }
        auto [ec, n] = co_await http::async_read(s, buf, parser, use_nothrow);
        if (ec) {
            break;
        }
        mock::reply_plan plan;
        const bool probe = req.target == "/mock/stats" || req.target == "/healthz";
        if (probe) {
            plan.pieces.push_back(req.target == "/healthz" ? R"({"status":"ok"})" : stats_json());
        } else {
            plan =
                mock::plan_reply(req.method, req.target, req.body, [&req](std::string_view name) {
                    const std::string_view own = req.field(name);
                    return own.empty() ? default_behaviour(name).value_or("") : own;
                });
        }
        const bool keep_alive = parser.keep_alive();
        if (!probe) {
            record(req);  // last: it takes the fields, which hold the target and method too
        }
        if (!co_await play(s, plan, keep_alive)) {
            break;
        }
    }
    boost::system::error_code ignored;
    s.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_nothrow);
        if (ec == net::error::operation_aborted) {
            co_return;
        }
        if (!ec) {
            net::co_spawn(acceptor.get_executor(), session(std::move(socket)), net::detached);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string listen = "127.0.0.1:9000";
    unsigned threads = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string arg = argv[i];
        if (arg == "--listen") {
            listen = argv[i + 1];
        } else if (arg == "--threads") {
            threads = static_cast<unsigned>(std::stoul(argv[i + 1]));
        } else if (arg == "--keepalive-timeout") {
            const auto d = config::parse_duration(argv[i + 1]);
            if (!d) {
                std::cerr << "tollgate-mock: bad --keepalive-timeout " << argv[i + 1] << "\n";
                return 2;
            }
            idle_policy.timeout = *d;
        } else if (arg == "--keepalive-reset") {
            idle_policy.reset = std::string_view(argv[i + 1]) == "1";
        } else if (arg == "--behave") {
            const std::string_view kv = argv[i + 1];
            const auto eq = kv.find('=');
            if (eq == std::string_view::npos) {
                std::cerr << "tollgate-mock: --behave wants NAME=VALUE, e.g. x-mock-status=503\n";
                return 2;
            }
            default_behaviours.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        } else if (arg == "--keepalive-announce") {
            idle_policy.announce = std::string_view(argv[i + 1]) == "1";
        } else {
            std::cerr << "usage: tollgate-mock [--listen HOST:PORT] [--threads N]"
                         " [--keepalive-timeout DURATION] [--keepalive-reset 0|1]"
                         " [--keepalive-announce 0|1] [--behave NAME=VALUE]...\n";
            return 2;
        }
    }
    const auto ep = config::parse_endpoint(listen);
    if (!ep) {
        std::cerr << "tollgate-mock: bad --listen " << listen << "\n";
        return 2;
    }
    // Load the tokenizer's vocabularies before accepting: not on the first request, which
    // would then take as long as the load (seconds under a sanitizer).
    mock::prompt_tokens_of(R"({"model":"gpt-4","prompt":"warm up"})", "gpt-4");
    net::io_context ioc(static_cast<int>(threads));
    tcp::acceptor acceptor(ioc);
    try {
        acceptor = tcp::acceptor(ioc, tcp::endpoint(net::ip::make_address(ep->host), ep->port));
    } catch (const std::exception& e) {
        std::cerr << "tollgate-mock: cannot listen on " << listen << ": " << e.what() << "\n";
        return 1;
    }
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](auto, int) { ioc.stop(); });
    net::co_spawn(ioc, accept_loop(acceptor), net::detached);
    // The bound port, not the asked one: started on port 0, a test learns its port here.
    std::cout << "tollgate-mock listening on " << ep->host << ":"
              << acceptor.local_endpoint().port() << std::endl;
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) {
        pool.emplace_back([&ioc] { ioc.run(); });
    }
    ioc.run();
    for (auto& t : pool) {
        t.join();
    }
    return 0;
}

// The fault catalogue: each fault of docs/RELIABILITY.md's catalogue played against the real
// gateway (and the real mock, a scripted raw-socket upstream, a real redis-server), with what
// was sent, what happened and the figure that says how well. Prints a Markdown table; exits 1
// when a case's outcome is wrong (the daemon died, an answer is not the documented one), never
// because a figure is slower or larger than last time: figures are reported, not asserted.
// Usage: fault_catalogue [CASE-SUBSTRING]. scripts/test.sh runs it after the tests, and so does
// `cmake --build build --target reliability`.
#include "harness.hpp"
#include "scripted_upstream.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace tg = tollgate::testing;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

struct outcome {
    bool ok = false;
    std::string happened;
    std::string figure;
};

struct fault {
    const char* group;
    const char* name;
    const char* sent;
    std::function<outcome()> run;
};

const std::string chat = R"({"model":"gpt-4o-mini","messages":[],"max_tokens":2})";

double ms_since(clock_type::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

std::string fmt(const char* format, double a, double b = 0, double c = 0) {
    char out[256];
    std::snprintf(out, sizeof out, format, a, b, c);
    return out;
}

int status_of(const std::string& bytes) {
    return bytes.starts_with("HTTP/1.1 ") && bytes.size() >= 12 ? std::stoi(bytes.substr(9, 3)) : 0;
}

bool serves(tg::stack& s) {
    auto r = tg::request(s.gateway_port(), "POST", "/v1/chat/completions", chat);
    return r && r->status == 200;
}

// Sends `head` then `piece` over and over (up to `limit` bytes) until the gateway answers;
// returns the bytes sent before the answer came and the answer's first bytes.
std::pair<std::size_t, std::string> send_until_answered(std::uint16_t port,
                                                        const std::string& head,
                                                        const std::string& piece,
                                                        std::size_t limit) {
    tg::connection c(port);
    c.send(head);
    std::size_t sent = head.size();
    std::string answer = c.read_some(1ms);
    while (answer.empty() && !c.eof() && sent < limit) {
        c.send(piece);
        sent += piece.size();
        answer = c.read_some(1ms);
    }
    if (answer.empty()) {
        answer = c.read_some(2s);
    }
    return {sent, answer};
}

// Sends small requests one after another on one keep-alive connection while a fault is under
// way, and gives their p99: what the fault costs everyone else.
class prober {
public:
    explicit prober(std::uint16_t port)
        : thread_([this, port] {
              tg::connection c(port);
              c.send(tg::make_request("POST", "/v1/chat/completions", chat));
              tg::read_response(c, 5s);  // warm-up (the pooled upstream connection): not timed
              while (!stop_) {
                  const auto t0 = clock_type::now();
                  c.send(tg::make_request("POST", "/v1/chat/completions", chat));
                  auto r = tg::read_response(c, 5s);
                  if (!r || r->status != 200) {
                      failed_ = true;
                      return;
                  }
                  ms_.push_back(ms_since(t0));
                  std::this_thread::sleep_for(5ms);
              }
          }) {}
    ~prober() { finish(); }
    /// Stops probing; the p99 in ms (-1 when a probe failed or none ran).
    double finish() {
        stop_ = true;
        if (thread_.joinable()) {
            thread_.join();
        }
        if (failed_ || ms_.empty()) {
            return -1;
        }
        std::sort(ms_.begin(), ms_.end());
        return ms_[ms_.size() * 99 / 100];
    }
    std::size_t count() const { return ms_.size(); }

private:
    std::atomic<bool> stop_{false};
    bool failed_ = false;
    std::vector<double> ms_;
    std::thread thread_;
};

std::vector<std::unique_ptr<tg::connection>> open_idle(std::uint16_t port, int n) {
    std::vector<std::unique_ptr<tg::connection>> held;
    for (int i = 0; i < n; ++i) {
        held.push_back(std::make_unique<tg::connection>(port));
    }
    return held;
}

// ---- the baseline ----

outcome no_fault() {
    tg::stack s;
    prober probe(s.gateway_port());
    std::this_thread::sleep_for(2s);
    const double p99 = probe.finish();
    return {p99 >= 0, "served", fmt("p99 of small requests %.2f ms", p99)};
}

// ---- framing ----

outcome smuggling() {
    tg::stack s;
    tg::connection c(s.gateway_port());
    const auto t0 = clock_type::now();
    c.send(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string got = c.read_some(2s);
    const bool closed = c.closed_by_peer(2s);
    const bool one = c.pending().find("HTTP/1.1") == std::string::npos;
    return {status_of(got) == 400 && closed && one && serves(s),
            "400, closed; the smuggled request never ran",
            fmt("answered in %.1f ms", ms_since(t0))};
}

outcome header_flood() {
    tg::stack s;  // max_header_bytes 16 KiB
    const auto [sent, got] = send_until_answered(s.gateway_port(),
                                                 "GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Pad: ",
                                                 std::string(1024, 'a'),
                                                 64u << 20);
    return {status_of(got) == 431 && serves(s),
            "431, closed",
            fmt("%.0f KiB sent before the answer (limit 16 KiB)", sent / 1024.0)};
}

outcome body_flood() {
    tg::stack s("  limits: { max_body_bytes: 1048576 }\n");
    const auto [sent, got] = send_until_answered(
        s.gateway_port(),
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n",
        std::string(64 * 1024, ' '),
        1u << 30);
    return {status_of(got) == 413 && serves(s),
            "413 before a byte of the body is read",
            fmt("%.0f KiB sent before the answer (declared 1 GiB)", sent / 1024.0)};
}

outcome chunk_overhead() {
    tg::stack s;
    const std::string piece = "1;ext=" + std::string(100, 'e') + "\r\nx\r\n";
    const auto [sent, got] = send_until_answered(
        s.gateway_port(),
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
        piece,
        64u << 20);
    const double payload = static_cast<double>(sent / piece.size());
    return {status_of(got) == 400 && serves(s),
            "400, closed",
            fmt("%.0f bytes of framing for %.0f payload bytes accepted before the answer",
                static_cast<double>(sent) - payload,
                payload)};
}

// ---- floods ----

outcome idle_connections() {
    tg::stack s("  limits: { max_connections_per_address: 20000 }\n");
    std::this_thread::sleep_for(200ms);
    const long before = s.gateway().rss_kib();
    constexpr int n = 2000;
    auto held = open_idle(s.gateway_port(), n);
    std::this_thread::sleep_for(500ms);
    const long during = s.gateway().rss_kib();
    prober probe(s.gateway_port());
    std::this_thread::sleep_for(1s);
    const double p99 = probe.finish();
    return {p99 >= 0,
            "held open; requests still served",
            fmt("RSS %.1f KiB per idle connection (%.0f idle); p99 of small requests %.2f ms",
                static_cast<double>(during - before) / n,
                n,
                p99)};
}

outcome connection_cap() {
    tg::stack s("  limits: { max_connections: 100 }\n");
    std::this_thread::sleep_for(200ms);
    const long before = s.gateway().rss_kib();
    auto held = open_idle(s.gateway_port(), 100);
    std::this_thread::sleep_for(300ms);
    int refused = 0;
    for (int i = 0; i < 50; ++i) {
        tg::connection c(s.gateway_port());
        c.send(tg::make_request("POST", "/v1/chat/completions", chat));
        refused += status_of(c.read_some(2s)) == 503 && c.closed_by_peer(2s);
    }
    const long during = s.gateway().rss_kib();
    held.clear();
    std::this_thread::sleep_for(300ms);
    return {refused == 50 && serves(s),
            "503 with Retry-After, closed; served again once they left",
            fmt("%.0f of 50 over the cap refused; RSS +%.0f KiB", refused, during - before)};
}

outcome descriptors_out() {
    tg::stack s;
    const std::string config = s.config_path();
    s.gateway().stop(SIGTERM);
    const std::string log = tg::make_temp_dir() + "/gateway.log";
    tg::process gw({"/bin/sh",
                    "-c",
                    std::string("ulimit -n 64 && exec ") + TOLLGATE_BIN + " --config " + config},
                   log);
    if (!tg::wait_for_port(s.gateway_port())) {
        return {false, "did not start", ""};
    }
    auto flood = open_idle(s.gateway_port(), 100);
    std::this_thread::sleep_for(2s);
    const std::string text = gw.log();
    std::size_t lines = 0;
    for (auto at = text.find("accept failed"); at != std::string::npos;
         at = text.find("accept failed", at + 1)) {
        ++lines;
    }
    flood.clear();
    const auto t0 = clock_type::now();
    std::optional<tg::response> r;
    while (!(r && r->status == 200) && ms_since(t0) < 5000) {
        r = tg::request(s.gateway_port(), "POST", "/v1/chat/completions", chat);
    }
    const bool ok = r && r->status == 200 && gw.stop(SIGTERM) == 0;
    return {ok,
            "accepts pause, no spin; serves again",
            fmt("%.0f log lines in 2 s; served again %.0f ms after descriptors freed",
                static_cast<double>(lines),
                ms_since(t0))};
}

// ---- slow peers ----

outcome slowloris() {
    tg::stack s("  limits: { header_timeout: 1s, max_connections_per_address: 20000 }\n");
    std::this_thread::sleep_for(200ms);
    const long before = s.gateway().rss_kib();
    constexpr int n = 200;
    auto held = open_idle(s.gateway_port(), n);
    const auto t0 = clock_type::now();
    const std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    for (auto& c : held) {
        c->send(head);
    }
    long peak = before;
    int closed = 0;
    double last_close = 0;
    prober probe(s.gateway_port());
    while (closed < n && ms_since(t0) < 5000) {
        closed = 0;
        for (auto& c : held) {
            if (!c->eof()) {
                c->send("a");
                c->read_some(0ms);
            }
            if (c->eof()) {
                ++closed;
            }
        }
        if (closed < n) {
            last_close = ms_since(t0);
        }
        peak = std::max(peak, s.gateway().rss_kib());
        std::this_thread::sleep_for(100ms);
    }
    const double p99 = probe.finish();
    char figure[200];
    std::snprintf(figure,
                  sizeof figure,
                  "%d of 200 cut, the last after %.0f ms; RSS +%ld KiB; p99 of small requests "
                  "meanwhile %.2f ms",
                  closed,
                  last_close,
                  peak - before,
                  p99);
    return {closed == n && p99 >= 0 && serves(s), "408 and closed at header_timeout (1 s)", figure};
}

outcome slow_reader() {
    tg::stack s("  limits: { send_timeout: 1s }\n");
    const long before = s.gateway().rss_kib();
    tg::connection c(s.gateway_port());
    c.send(tg::make_request("POST",
                            "/v1/chat/completions",
                            R"({"model":"gpt-4o-mini","stream":true,"max_tokens":300000})",
                            {"x-mock-tokens: 300000"}));
    std::this_thread::sleep_for(3s);  // read nothing
    const long peak = s.gateway().rss_kib();
    std::size_t received = 0;
    const auto t0 = clock_type::now();
    while (!c.eof() && ms_since(t0) < 10000) {
        received += c.read_some(1s).size();
    }
    return {c.eof() && serves(s),
            "cut at send_timeout (1 s); nothing buffered beyond the socket",
            fmt("the client got %.0f KiB of a 53 MiB stream; RSS +%.0f KiB",
                static_cast<double>(received) / 1024,
                static_cast<double>(peak - before))};
}

// ---- hostile upstreams ----

std::string upstream_entry(const char* name, std::uint16_t port, const std::string& extra = "") {
    return std::string("  - name: ") + name +
           "\n    url: http://127.0.0.1:" + std::to_string(port) + "\n    models: [\"" + name +
           "-*\"]\n" + extra;
}

std::string stream_request(const char* model) {
    return tg::make_request(
        "POST",
        "/v1/chat/completions",
        std::string(R"({"model":")") + model + R"(-1","stream":true,"messages":[]})");
}

// Reads a relayed body to its end (the last chunk) or EOF.
std::string read_to_end(tg::connection& c, std::chrono::milliseconds each = 15s) {
    std::string all;
    while (all.find("\r\n0\r\n\r\n") == std::string::npos) {
        const std::string got = c.read_some(each);
        if (got.empty()) {
            break;
        }
        all += got;
    }
    return all;
}

void event_stream_head(int c) {
    tg::scripted_upstream::read_request(c);
    tg::scripted_upstream::send_all(c,
                                    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                    "Transfer-Encoding: chunked\r\n\r\n");
}

outcome endless_line() {
    tg::scripted_upstream up([](int c) {
        event_stream_head(c);
        tg::scripted_upstream::send_chunk(c, "data: ");
        const std::string piece(1 << 20, 'x');
        for (int i = 0; i < 64 && tg::scripted_upstream::send_chunk(c, piece); ++i) {
        }
        tg::scripted_upstream::send_chunk(c, "\n\ndata: [DONE]\n\n");
        tg::scripted_upstream::send_all(c, "0\r\n\r\n");
        std::this_thread::sleep_for(200ms);
    });
    tg::stack s("", "", upstream_entry("endless", up.port()));
    const long before = s.gateway().rss_kib();
    tg::connection c(s.gateway_port());
    c.send(stream_request("endless"));
    prober probe(s.gateway_port());
    std::size_t received = 0;
    long peak = before;
    std::string tail;
    for (;;) {
        const std::string got = c.read_some(10s);
        if (got.empty()) {
            break;
        }
        received += got.size();
        peak = std::max(peak, received % (4u << 20) < got.size() ? s.gateway().rss_kib() : 0L);
        tail = tail.size() > 64 ? tail.substr(tail.size() - 64) + got : tail + got;
        if (tail.find("[DONE]") != std::string::npos) {
            break;
        }
    }
    const double p99 = probe.finish();
    return {received > (64u << 20) && p99 >= 0 && serves(s),
            "relayed whole; only 8 MiB of it held for usage",
            fmt("RSS +%.0f KiB while relaying a 64 MiB line; p99 of small requests meanwhile "
                "%.2f ms",
                static_cast<double>(peak - before),
                p99)};
}

outcome comments_only() {
    tg::scripted_upstream up([](int c) {
        event_stream_head(c);
        for (int i = 0; i < 100 && tg::scripted_upstream::send_chunk(c, ": keep-alive\n\n"); ++i) {
            std::this_thread::sleep_for(100ms);
        }
    });
    tg::stack s("", "", upstream_entry("chatty", up.port(), "    max_event_gap: 1s\n"));
    tg::connection c(s.gateway_port());
    const auto t0 = clock_type::now();
    c.send(stream_request("chatty"));
    const std::string body = read_to_end(c);
    const bool ended = body.find("max_event_gap") != std::string::npos &&
                       body.find("\r\n0\r\n\r\n") != std::string::npos;
    return {ended && serves(s),
            "SSE error event naming max_event_gap, clean end",
            fmt("cut after %.0f ms (max_event_gap 1 s) of comments every 100 ms", ms_since(t0))};
}

outcome huge_upstream_head() {
    tg::scripted_upstream up([](int c) {
        tg::scripted_upstream::read_request(c);
        tg::scripted_upstream::send_all(c, "HTTP/1.1 200 OK\r\nX-Pad: ");
        const std::string piece(64 * 1024, 'h');
        for (int i = 0; i < 16 && tg::scripted_upstream::send_all(c, piece); ++i) {
        }
    });
    tg::stack s("", "", upstream_entry("bighead", up.port()));
    const auto t0 = clock_type::now();
    auto r = tg::request(
        s.gateway_port(), "POST", "/v1/chat/completions", R"({"model":"bighead-1","messages":[]})");
    return {r && r->status == 502 && serves(s),
            "502 upstream_error",
            fmt("answered in %.1f ms (head limit 64 KiB, upstream sent 1 MiB)", ms_since(t0))};
}

outcome stalled_upstream() {
    tg::scripted_upstream up([](int c) {
        tg::scripted_upstream::read_request(c);
        std::this_thread::sleep_for(3s);
    });
    tg::stack s("", "", upstream_entry("stall", up.port(), "    timeout: 1s\n"));
    const auto t0 = clock_type::now();
    auto r = tg::request(
        s.gateway_port(), "POST", "/v1/chat/completions", R"({"model":"stall-1","messages":[]})");
    return {r && r->status == 504 && serves(s),
            "504 upstream_timeout",
            fmt("answered after %.0f ms (timeout 1 s)", ms_since(t0))};
}

outcome upstream_drop() {
    tg::stack s;
    tg::connection c(s.gateway_port());
    const auto t0 = clock_type::now();
    c.send(tg::make_request("POST",
                            "/v1/chat/completions",
                            R"({"model":"gpt-4o-mini","stream":true,"max_tokens":50})",
                            {"x-mock-drop-after: 3"}));
    const std::string body = read_to_end(c, 5s);
    const bool ended = body.find("event: error") != std::string::npos &&
                       body.find("\r\n0\r\n\r\n") != std::string::npos;
    return {ended && serves(s),
            "SSE error event, clean end of the body",
            fmt("the client saw the end %.1f ms after the request", ms_since(t0))};
}

// ---- the store ----

std::string redis_store(const tg::redis_server& r) {
    return "store: { kind: redis, url: \"" + r.url(1) +
           "\", command_timeout: 500ms, reconnect_max: 200ms }\n"
           "plans:\n  p: { limits: [ { window: minute, tokens: 100000000 } ] }\n"
           "default_plan: p\n";
}

std::string mint(tg::stack& s, const std::string& consumer) {
    s.admin("POST", "/v1/consumers", "{\"id\":\"" + consumer + "\"}");
    const std::string body = s.admin("POST", "/v1/consumers/" + consumer + "/keys", "{}")->body;
    const auto at = body.find("\"key\":\"") + 7;
    return body.substr(at, body.find('"', at) - at);
}

int chat_as(tg::stack& s, const std::string& key) {
    auto r = tg::request(
        s.gateway_port(), "POST", "/v1/chat/completions", chat, {"Authorization: Bearer " + key});
    return r ? r->status : 0;
}

outcome redis_kill_restart() {
    tg::redis_server redis;
    tg::stack s("", "", "", redis_store(redis));
    const std::string key = mint(s, "c");
    if (chat_as(s, key) != 200) {
        return {false, "no 200 before the fault", ""};
    }
    redis.kill();
    std::this_thread::sleep_for(200ms);
    auto t0 = clock_type::now();
    const int during = chat_as(s, key);
    const double answer = ms_since(t0);
    redis.restart();
    t0 = clock_type::now();
    const std::string fresh = [&] {
        while (ms_since(t0) < 10000) {
            auto r = s.admin("POST", "/v1/consumers", R"({"id":"after"})");
            if (r && r->status == 201) {
                return mint(s, "after2");
            }
            std::this_thread::sleep_for(10ms);
        }
        return std::string();
    }();
    const double recovered = ms_since(t0);
    return {during == 503 && !fresh.empty() && chat_as(s, fresh) == 200,
            "503 store_unavailable while down; heals by itself",
            fmt("503 in %.0f ms during the outage; writes again %.0f ms after the restart",
                answer,
                recovered)};
}

outcome redis_stall() {
    tg::redis_server redis;
    tg::stack s("", "", "", redis_store(redis));
    const std::string warm = mint(s, "c");
    const std::string cold = mint(s, "d");  // never used: its lookup needs Redis
    chat_as(s, warm);
    int code = 0;
    const std::string pid = tg::run_output("redis-cli -p " + std::to_string(redis.port()) +
                                               " INFO server | tr -d '\\r' | "
                                               "sed -n 's/^process_id://p'",
                                           code);
    if (code != 0 || pid.empty()) {
        return {false, "no redis pid", ""};
    }
    const pid_t frozen = std::stoi(pid);
    ::kill(frozen, SIGSTOP);
    std::thread sleeper([&] {
        std::this_thread::sleep_for(2s);
        ::kill(frozen, SIGCONT);
    });
    auto t0 = clock_type::now();
    const int during_warm = chat_as(s, warm);
    const double warm_ms = ms_since(t0);
    t0 = clock_type::now();
    const int during_cold = chat_as(s, cold);
    const double cold_ms = ms_since(t0);
    sleeper.join();
    t0 = clock_type::now();
    while (chat_as(s, cold) != 200 && ms_since(t0) < 5000) {
        std::this_thread::sleep_for(10ms);
    }
    const double recovered = ms_since(t0);
    char figure[256];
    std::snprintf(figure,
                  sizeof figure,
                  "new key: %d after %.0f ms; leased key: %d in %.1f ms; 200 again %.0f ms after "
                  "Redis woke",
                  during_cold,
                  cold_ms,
                  during_warm,
                  warm_ms,
                  recovered);
    return {during_cold == 503 && recovered < 5000,
            "503 store_unavailable at command_timeout (500 ms); 200 as soon as Redis runs",
            figure};
}

outcome redis_noscript() {
    tg::redis_server redis;
    tg::stack s("", "", "", redis_store(redis));
    const std::string key = mint(s, "c");
    chat_as(s, key);
    int code = 0;
    tg::run_output("redis-cli -p " + std::to_string(redis.port()) + " SCRIPT FLUSH", code);
    int failed = 0;
    const auto t0 = clock_type::now();
    for (int i = 0; i < 20; ++i) {
        failed += chat_as(s, key) != 200;
    }
    return {code == 0 && failed == 0,
            "scripts loaded again on NOSCRIPT; no request fails",
            fmt("%.0f of 20 requests failed after SCRIPT FLUSH; %.2f ms per request",
                failed,
                ms_since(t0) / 20)};
}

// ---- disconnects, reload and drain ----

outcome client_hangup() {
    tg::stack s;
    {
        tg::connection c(s.gateway_port());
        c.send(tg::make_request("POST",
                                "/v1/chat/completions",
                                R"({"model":"gpt-4o-mini","stream":true,"max_tokens":100})",
                                {"x-mock-chunk-delay-ms: 100"}));
        c.read_some(5s);
    }  // hangs up mid-stream
    const auto t0 = clock_type::now();
    std::string stats;
    while (ms_since(t0) < 5000) {
        stats = s.mock_stats();
        if (stats.find("\"streams_aborted\":1") != std::string::npos) {
            break;
        }
        std::this_thread::sleep_for(10ms);
    }
    const double freed = ms_since(t0);
    const bool aborted = stats.find("\"streams_aborted\":1") != std::string::npos;
    return {aborted && serves(s),
            "the upstream's stream is cut too (it stops generating); the gateway goes on",
            fmt("the upstream saw its stream closed %.0f ms after the hang-up", freed)};
}

outcome bad_reload_then_drain() {
    tg::stack s;
    int code = 0;
    const std::string text = tg::run_output("cat " + s.config_path(), code);
    tg::write_file(s.config_path(), "upstreams: 5\n");
    s.gateway().stop(SIGHUP, 300ms);
    tg::write_file(s.config_path(), text);
    s.gateway().stop(SIGHUP, 300ms);
    tg::connection busy(s.gateway_port());
    busy.send(tg::make_request("POST",
                               "/v1/chat/completions",
                               R"({"model":"gpt-4o-mini","stream":true,"max_tokens":10})",
                               {"x-mock-chunk-delay-ms: 100"}));
    busy.read_some(5s);
    const auto t0 = clock_type::now();
    const auto exit = s.gateway().stop(SIGTERM, 10s);
    const double drained = ms_since(t0);
    const std::string body = busy.pending() + read_to_end(busy, 2s);
    return {exit == 0 && s.gateway().log().find("reload rejected") != std::string::npos,
            "bad reload kept the old config; good reload applied; SIGTERM drained, exit 0",
            fmt("drained a 1 s stream and exited in %.0f ms", drained)};
}

outcome deep_admin_body() {
    tg::stack s;
    const std::string body =
        R"({"id":"deep","metadata":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
    const auto t0 = clock_type::now();
    auto r = s.admin("POST", "/v1/consumers", body);
    const double took = ms_since(t0);
    return {r && r->status == 400 && serves(s),
            "400, the process unharmed",
            fmt("answered in %.1f ms (200 KB, 100,000 levels)", took)};
}

}  // namespace

int main(int argc, char** argv) {
    // Enough descriptors for the floods (the hard limit allows it on Debian: 524288).
    rlimit nofile{};
    getrlimit(RLIMIT_NOFILE, &nofile);
    nofile.rlim_cur = std::min<rlim_t>(nofile.rlim_max, 65536);
    setrlimit(RLIMIT_NOFILE, &nofile);

    const std::vector<fault> catalogue = {
        {"baseline", "no fault", "small requests one after another", no_fault},
        {"framing",
         "CL + TE, a request smuggled behind",
         "one head with both, a GET after the body",
         smuggling},
        {"framing",
         "header block past max_header_bytes",
         "1 KiB header bytes until answered",
         header_flood},
        {"framing", "body past max_body_bytes", "Content-Length 1 GiB, 64 KiB pieces", body_flood},
        {"framing",
         "chunk framing far above its payload",
         "1-byte chunks with 100-byte extensions",
         chunk_overhead},
        {"flood", "idle connections", "2,000 connections that send nothing", idle_connections},
        {"flood", "past server.limits.max_connections", "100 held, 50 more asking", connection_cap},
        {"flood", "descriptors run out", "ulimit -n 64, 100 connections", descriptors_out},
        {"slow peer", "slowloris", "200 heads at one byte per 100 ms", slowloris},
        {"slow peer",
         "a reader that reads nothing",
         "a 300,000-token stream never read",
         slow_reader},
        {"upstream", "an SSE line that never ends", "one 64 MiB data line", endless_line},
        {"upstream", "a stream of comments only", "': keep-alive' every 100 ms", comments_only},
        {"upstream",
         "a response head past max_header_bytes",
         "a 1 MiB header line",
         huge_upstream_head},
        {"upstream", "no answer", "request read, nothing sent for 3 s", stalled_upstream},
        {"upstream", "connection lost mid-stream", "mock drops after 3 events", upstream_drop},
        {"redis", "kill -9, then restart", "SIGKILL; a new empty redis-server", redis_kill_restart},
        {"redis", "stopped (SIGSTOP) for 2 s", "SIGSTOP, SIGCONT after 2 s", redis_stall},
        {"redis", "scripts flushed", "SCRIPT FLUSH, then 20 requests", redis_noscript},
        {"client", "hang-up mid-stream", "close after the first event", client_hangup},
        {"lifecycle",
         "bad reload, good reload, SIGTERM mid-stream",
         "upstreams: 5; the old file; SIGTERM",
         bad_reload_then_drain},
        {"admin", "JSON nested 100,000 deep", "POST /v1/consumers", deep_admin_body},
    };
    const std::string only = argc > 1 ? argv[1] : "";
    std::printf("| fault | sent | what happened | figure | |\n|---|---|---|---|---|\n");
    int failed = 0;
    for (const auto& f : catalogue) {
        const std::string label = std::string(f.group) + ": " + f.name;
        if (!only.empty() && label.find(only) == std::string::npos) {
            continue;
        }
        outcome o;
        try {
            o = f.run();
        } catch (const std::exception& e) {
            o = {false, std::string("threw: ") + e.what(), ""};
        }
        failed += !o.ok;
        std::printf("| %s | %s | %s | %s | %s |\n",
                    label.c_str(),
                    f.sent,
                    o.happened.c_str(),
                    o.figure.c_str(),
                    o.ok ? "ok" : "**WRONG**");
        std::fflush(stdout);
    }
    return failed == 0 ? 0 : 1;
}

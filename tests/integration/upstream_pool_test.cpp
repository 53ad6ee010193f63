// The upstream keep-alive pool against upstreams that close idle connections, as uvicorn
// (vLLM), Node and llama.cpp do after 5 s: after a lull, no client may see a 502 caused by
// a connection the upstream had already closed; and the gateway lets go of idle connections
// before the upstream would.
#include "harness.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

const std::string body =
    R"({"model":"idle-1","messages":[{"role":"user","content":"hi"}],"max_tokens":2})";

// A mock with the given keep-alive behaviour, and a gateway whose upstream "idle" is it.
struct idle_closing_stack {
    idle_closing_stack(const std::string& mock_timeout,
                       bool mock_resets,
                       const std::string& gateway_keepalive,
                       bool mock_announces = false)
        : port(free_port()),
          dir(make_temp_dir()),
          mock({MOCK_BIN,
                "--listen",
                "127.0.0.1:" + std::to_string(port),
                "--keepalive-timeout",
                mock_timeout,
                "--keepalive-reset",
                mock_resets ? "1" : "0",
                "--keepalive-announce",
                mock_announces ? "1" : "0"},
               dir + "/idle-mock.log"),
          gateway("",
                  "",
                  "  - name: idle\n    url: http://127.0.0.1:" + std::to_string(port) +
                      "\n    models: [\"idle-*\"]\n    keepalive_timeout: " + gateway_keepalive +
                      "\n") {
        if (!wait_for_port(port)) {
            throw std::runtime_error("idle mock did not start: " + mock.log());
        }
        baseline_ = accepted();
    }

    /// Connections the mock accepted from the gateway since the start.
    long connections() { return accepted() - baseline_; }

    std::uint16_t port;
    std::string dir;
    process mock;
    stack gateway;

private:
    // Every connection the mock accepted, less this question's own and the earlier ones'.
    long accepted() {
        auto r = request(port, "GET", "/mock/stats", "");
        return r ? nlohmann::json::parse(r->body)["connections"].get<long>() - ++questions_ : -1;
    }
    long questions_ = 0;
    long baseline_ = 0;
};

// Sends `n` requests at once, each on its own client connection; returns the statuses.
std::vector<int> burst(std::uint16_t port, int n) {
    std::vector<int> statuses(static_cast<std::size_t>(n), 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
        threads.emplace_back([port, i, &statuses] {
            auto r = request(port, "POST", "/v1/chat/completions", body);
            statuses[static_cast<std::size_t>(i)] = r ? r->status : -1;
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    return statuses;
}

// The issue's scenario, shortened: a burst fills the pool, the upstream closes every idle
// connection, then requests come one by one. The gateway keeps connections for 60 s, so only
// its liveness check and its retry on a fresh connection stand between the client and a 502.
void lull_then_single_requests(bool mock_resets) {
    idle_closing_stack s("200ms", mock_resets, "60s");
    for (int status : burst(s.gateway.gateway_port(), 64)) {
        ASSERT_EQ(status, 200);
    }
    std::this_thread::sleep_for(500ms);  // the upstream closes every idle connection
    int bad = 0;
    for (int i = 0; i < 8; ++i) {
        auto r = request(s.gateway.gateway_port(), "POST", "/v1/chat/completions", body);
        ASSERT_TRUE(r) << "request " << i;
        bad += r->status != 200;
        EXPECT_EQ(r->status, 200) << "request " << i << ": " << r->body;
    }
    EXPECT_EQ(bad, 0);
}

TEST(UpstreamPool, AfterALullNoRequestFailsOnAConnectionTheUpstreamClosed) {
    lull_then_single_requests(false);
}

TEST(UpstreamPool, AfterALullNoRequestFailsOnAConnectionTheUpstreamReset) {
    lull_then_single_requests(true);
}

// The gateway's own keepalive_timeout: a connection idle longer is not reused (a new one is
// opened), one idle for less is.
TEST(UpstreamPool, IdleConnectionsAreClosedAfterKeepaliveTimeout) {
    idle_closing_stack s("0ms", false, "300ms");
    const auto gw = s.gateway.gateway_port();
    connection c(gw);
    for (int i = 0; i < 3; ++i) {
        c.send(make_request("POST", "/v1/chat/completions", body));
        auto r = read_response(c);
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200);
    }
    EXPECT_EQ(s.connections(), 1);  // back to back: one pooled connection served all three
    std::this_thread::sleep_for(700ms);
    c.send(make_request("POST", "/v1/chat/completions", body));
    auto r = read_response(c);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(s.connections(), 2);  // the idle one was let go; a fresh one served
}

// An upstream that announces `Keep-Alive: timeout=2`: the gateway keeps its connections at
// most 1 s, although its own keepalive_timeout is a minute.
TEST(UpstreamPool, TheUpstreamsKeepAliveHintShortensTheWait) {
    idle_closing_stack s("2s", false, "60s", true);
    const auto gw = s.gateway.gateway_port();
    connection c(gw);
    for (int i = 0; i < 2; ++i) {
        c.send(make_request("POST", "/v1/chat/completions", body));
        auto r = read_response(c);
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200);
        if (i == 0) {
            std::this_thread::sleep_for(1300ms);  // past the hint's 1 s, before the mock's 2 s
        }
    }
    EXPECT_EQ(s.connections(), 2);
}

}  // namespace
}  // namespace tollgate::testing

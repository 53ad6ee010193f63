// Endpoint groups end to end: several real mock backends behind one upstream, balanced by
// weight, ejected when they fail and back after their backoff, retried and fallen back from
// without the client seeing a failure, and capped (503 with Retry-After past the caps).
#include "harness.hpp"

#include <algorithm>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

using json = nlohmann::json;

const std::string chat_body =
    R"({"model":"pool-1","messages":[{"role":"user","content":"hi"}],"max_tokens":2})";

// A mock backend of its own, with `behave` as its default test behaviours.
class endpoint {
public:
    explicit endpoint(std::vector<std::string> behave = {}, std::uint16_t port = 0)
        : port_(port ? port : free_port()), dir_(make_temp_dir()) {
        start(std::move(behave));
    }
    void start(std::vector<std::string> behave) {
        std::vector<std::string> argv = {MOCK_BIN, "--listen", url().substr(7)};
        for (auto& b : behave) {
            argv.push_back("--behave");
            argv.push_back(std::move(b));
        }
        proc_.emplace(argv, dir_ + "/mock.log");
        if (!wait_for_port(port_)) {
            throw std::runtime_error("mock did not start: " + proc_->log());
        }
        asked_ = 0;
    }
    void stop() { proc_.reset(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::uint16_t port() const { return port_; }
    /// Proxied requests this mock answered since it started.
    long requests() {
        auto r = request(port_, "GET", "/mock/stats", "");
        ++asked_;
        return r ? json::parse(r->body)["requests"].get<long>() : -1;
    }

private:
    std::uint16_t port_;
    std::string dir_;
    std::optional<process> proc_;
    long asked_ = 0;
};

// A gateway whose upstream "pool" (models pool-*) is `yaml` (indented under its entry).
stack gateway_for(const std::string& yaml, const std::string& top = "auth: { enabled: false }\n") {
    return stack("", "", "  - name: pool\n    models: [\"pool-*\"]\n" + yaml, top);
}

std::string endpoints_yaml(const std::vector<std::pair<std::string, unsigned>>& eps) {
    std::string y = "    endpoints:\n";
    for (const auto& [url, weight] : eps) {
        y += "      - { url: \"" + url + "\", weight: " + std::to_string(weight) + " }\n";
    }
    return y;
}

// The access lines' attempts= values, in order.
std::vector<int> attempts_logged(stack& s) {
    std::this_thread::sleep_for(300ms);  // access lines leave in batches
    std::vector<int> out;
    const std::string log = s.gateway().log();
    for (std::size_t at = log.find(" attempts="); at != std::string::npos;
         at = log.find(" attempts=", at + 1)) {
        out.push_back(std::stoi(log.substr(at + 10)));
    }
    return out;
}

TEST(UpstreamEndpoints, WeightsAreHonouredOverTenThousandRequests) {
    endpoint a, b;
    auto s = gateway_for(endpoints_yaml({{a.url(), 3}, {b.url(), 1}}));
    connection c(s.gateway_port());
    for (int i = 0; i < 10'000; ++i) {
        c.send(make_request("POST", "/v1/chat/completions", chat_body));
        auto r = read_response(c);
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200);
    }
    const long na = a.requests();
    const long nb = b.requests();
    EXPECT_EQ(na + nb, 10'000);
    EXPECT_NEAR(static_cast<double>(na) / 10'000, 0.75, 0.02) << na << " / " << nb;
}

TEST(UpstreamEndpoints, LeastRequestsPrefersTheIdleEndpoint) {
    endpoint a, b;
    auto s =
        gateway_for(endpoints_yaml({{a.url(), 1}, {b.url(), 1}}) + "    balance: least_requests\n");
    // Connections go to the two workers in turn, and each worker balances on its own: the
    // first and third client connection share one.
    connection slow(s.gateway_port());
    connection other_worker(s.gateway_port());
    connection quick(s.gateway_port());
    slow.send(make_request("POST", "/v1/chat/completions", chat_body, {"x-mock-delay-ms: 500"}));
    std::this_thread::sleep_for(100ms);
    for (int i = 0; i < 5; ++i) {  // each goes to the endpoint without the slow one
        quick.send(make_request("POST", "/v1/chat/completions", chat_body));
        auto r = read_response(quick);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
    }
    auto r = read_response(slow);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    const long na = a.requests();
    const long nb = b.requests();
    EXPECT_EQ(std::min(na, nb), 1) << na << " / " << nb;
    EXPECT_EQ(std::max(na, nb), 5) << na << " / " << nb;
}

TEST(UpstreamEndpoints, ARefusingEndpointIsRetriedElsewhereThenEjected) {
    const std::uint16_t dead = free_port();  // nothing listens there
    endpoint good;
    auto s = gateway_for(
        endpoints_yaml({{"http://127.0.0.1:" + std::to_string(dead), 1}, {good.url(), 1}}) +
        "    health: { failures: 2, eject_time: 60s }\n");
    connection c(s.gateway_port());
    for (int i = 0; i < 20; ++i) {
        c.send(make_request("POST", "/v1/chat/completions", chat_body));
        auto r = read_response(c);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200) << "request " << i << ": " << r->body;
    }
    EXPECT_EQ(good.requests(), 20);
    const auto attempts = attempts_logged(s);
    ASSERT_EQ(attempts.size(), 20u);
    int retried = 0;
    for (int a : attempts) {
        retried += a > 1;
    }
    // Until its second failure in a row the dead one was tried (and retried away from);
    // ejected, it is tried no more.
    EXPECT_EQ(retried, 2);
    EXPECT_EQ(attempts.back(), 1);
}

TEST(UpstreamEndpoints, AnEndpointAnswering503IsRetriedElsewhere) {
    endpoint failing({"x-mock-status=503"}), good;
    auto s = gateway_for(endpoints_yaml({{failing.url(), 1}, {good.url(), 1}}) +
                         "    health: { failures: 3, eject_time: 60s }\n");
    connection c(s.gateway_port());  // one worker: health is kept per worker
    for (int i = 0; i < 10; ++i) {
        c.send(make_request("POST", "/v1/chat/completions", chat_body));
        auto r = read_response(c);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200) << r->body;
    }
    EXPECT_EQ(failing.requests(), 3);  // then ejected
    EXPECT_EQ(good.requests(), 10);
}

TEST(UpstreamEndpoints, AStallingEndpointTimesOutAndIsRetriedWhenTimeoutsMayBe) {
    endpoint stalling({"x-mock-delay-ms=5000"}), good;
    auto s = gateway_for(endpoints_yaml({{stalling.url(), 1}, {good.url(), 1}}) +
                         "    timeout: 300ms\n    retries: { attempts: 1, on: [timeout] }\n");
    for (int i = 0; i < 4; ++i) {
        auto r = request(s.gateway_port(), "POST", "/v1/chat/completions", chat_body);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200) << r->body;
    }
    EXPECT_EQ(good.requests(), 4);
}

TEST(UpstreamEndpoints, WithoutRetriesTheFailureReachesTheClient) {
    endpoint failing({"x-mock-status=503"});
    auto s = gateway_for(endpoints_yaml({{failing.url(), 1}}) + "    retries: { attempts: 0 }\n");
    auto r = request(s.gateway_port(), "POST", "/v1/chat/completions", chat_body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);  // the upstream's own answer, relayed
}

TEST(UpstreamEndpoints, AnEjectedEndpointReturnsAfterItsBackoff) {
    endpoint a, b;
    auto s = gateway_for(endpoints_yaml({{a.url(), 1}, {b.url(), 1}}) +
                         "    health: { failures: 1, eject_time: 1s }\n");
    a.stop();
    // Each worker tries `a` once (its turn comes first), fails, retries on b and ejects it;
    // while ejected nothing is tried on it: two retries in all, however many requests.
    for (int i = 0; i < 8; ++i) {
        auto r = request(s.gateway_port(), "POST", "/v1/chat/completions", chat_body);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
    }
    const auto attempts = attempts_logged(s);
    ASSERT_EQ(attempts.size(), 8u);
    EXPECT_EQ(std::count(attempts.begin(), attempts.end(), 2), 2);
    // Back after its backoff (a restarted mock may itself take a while under sanitizers).
    a.start({});
    std::this_thread::sleep_for(1200ms);
    for (int i = 0; i < 10; ++i) {
        request(s.gateway_port(), "POST", "/v1/chat/completions", chat_body);
    }
    EXPECT_GE(a.requests(), 4);  // in the rotation again
}

// Requests past the caps wait for a slot up to queue_timeout, then get 503 + Retry-After.
std::vector<int> concurrent_slow_requests(stack& s, int n) {
    std::vector<int> statuses(static_cast<std::size_t>(n));
    std::vector<std::string> retry_after(static_cast<std::size_t>(n));
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
            auto r = request(s.gateway_port(),
                             "POST",
                             "/v1/chat/completions",
                             chat_body,
                             {"x-mock-delay-ms: 600"});
            statuses[static_cast<std::size_t>(i)] = r ? r->status : -1;
            if (r && r->status == 503) {
                EXPECT_EQ(r->header("retry-after"), "1");
                EXPECT_NE(r->body.find("upstream_overloaded"), std::string::npos) << r->body;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    std::sort(statuses.begin(), statuses.end());
    return statuses;
}

TEST(UpstreamEndpoints, PastTheInFlightCapRequestsAreRefusedWith503) {
    endpoint e;
    // 2 in flight for the 2 workers: one each. Four clients: two per worker.
    auto s = gateway_for(endpoints_yaml({{e.url(), 1}}) +
                         "    max_in_flight: 2\n    queue_timeout: 200ms\n");
    EXPECT_EQ(concurrent_slow_requests(s, 4), (std::vector<int>{200, 200, 503, 503}));
}

TEST(UpstreamEndpoints, PastTheCapRequestsWaitWithinQueueTimeout) {
    endpoint e;
    auto s = gateway_for(endpoints_yaml({{e.url(), 1}}) +
                         "    max_connections: 2\n    queue_timeout: 3s\n");
    EXPECT_EQ(concurrent_slow_requests(s, 4), (std::vector<int>{200, 200, 200, 200}));
}

}  // namespace
}  // namespace tollgate::testing

namespace tollgate::testing {
namespace {

// A metered consumer whose upstream "pool" always answers 503 and falls back to the main
// mock with a pricier model: the client gets the fallback's answer, the fallback's price is
// what is reserved and charged, and the failed try charges nothing (one request counted).
TEST(UpstreamFallbacks, AFallbackToAPricierModelIsChargedAtItsPriceOnce) {
    endpoint failing({"x-mock-status=503"});
    const std::string top = R"(plans:
  p: { limits: [ { window: day, cost_usd: 100 }, { window: day, requests: 1000 } ] }
default_plan: p
pricing:
  pool-cheap: { input: 1, output: 2 }
  gpt-pricey: { input: 10, output: 30 }
)";
    auto s = gateway_for(endpoints_yaml({{failing.url(), 1}}) +
                             "    retries: { attempts: 0 }\n"
                             "    fallbacks: [ { upstream: mock-openai, model: gpt-pricey } ]\n",
                         top);
    s.admin("POST", "/v1/consumers", R"({"id":"fb"})");
    const std::string key =
        json::parse(s.admin("POST", "/v1/consumers/fb/keys", "{}")->body)["key"];
    auto r = request(s.gateway_port(),
                     "POST",
                     "/v1/chat/completions",
                     R"({"model":"pool-cheap","messages":[{"role":"user","content":"hi"}],)"
                     R"("max_tokens":7})",
                     {"Authorization: Bearer " + key});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    const auto answer = json::parse(r->body);
    EXPECT_EQ(answer["model"], "gpt-pricey");
    EXPECT_EQ(failing.requests(), 1);
    const auto usage = answer["usage"];
    const double cost = (usage["prompt_tokens"].get<double>() * 10 +
                         usage["completion_tokens"].get<double>() * 30) /
                        1e6;
    json windows;
    for (int i = 0; i < 100; ++i) {
        windows = json::parse(s.admin("GET", "/v1/consumers/fb/usage")->body)["windows"];
        if (windows[0]["reserved"] == 0 && windows[1]["reserved"] == 0) {
            break;
        }
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_NEAR(windows[0]["used"].get<double>(), cost, 1e-9) << windows;
    EXPECT_EQ(windows[1]["used"], 1) << windows;  // the failed try counted no request
    const auto attempts = attempts_logged(s);
    ASSERT_EQ(attempts.size(), 1u);
    EXPECT_EQ(attempts[0], 2);  // one on the failing upstream, one on the fallback
    EXPECT_NE(s.gateway().log().find("upstream=mock-openai"), std::string::npos);
}

TEST(UpstreamFallbacks, WithoutAFallbackTheUpstreamsAnswerIsRelayed) {
    endpoint failing({"x-mock-status=429"});
    auto s = gateway_for(endpoints_yaml({{failing.url(), 1}}));
    auto r = request(s.gateway_port(), "POST", "/v1/chat/completions", chat_body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 429);
}

}  // namespace
}  // namespace tollgate::testing

namespace tollgate::testing {
namespace {

// A retry is the same reservation: one request counted, the tokens of the answer relayed.
TEST(UpstreamRetries, AMeteredRequestRetriedElsewhereIsChargedOnce) {
    endpoint failing({"x-mock-status=503"}), good;
    const std::string top = R"(plans:
  p: { limits: [ { window: day, tokens: 100000 }, { window: day, requests: 1000 } ] }
default_plan: p
)";
    auto s = gateway_for(
        endpoints_yaml({{failing.url(), 1}, {good.url(), 1}}) + "    health: { failures: 0 }\n",
        top);
    s.admin("POST", "/v1/consumers", R"({"id":"rt"})");
    const std::string key =
        json::parse(s.admin("POST", "/v1/consumers/rt/keys", "{}")->body)["key"];
    long tokens = 0;
    connection c(s.gateway_port());
    for (int i = 0; i < 4; ++i) {  // round robin: two of them try the failing one first
        c.send(make_request("POST",
                            "/v1/chat/completions",
                            R"({"model":"pool-1","messages":[{"role":"user","content":"hi"}],)"
                            R"("max_tokens":3})",
                            {"Authorization: Bearer " + key}));
        auto r = read_response(c);
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200) << r->body;
        tokens += json::parse(r->body)["usage"]["total_tokens"].get<long>();
    }
    EXPECT_EQ(failing.requests(), 2);
    json windows;
    for (int i = 0; i < 100; ++i) {
        windows = json::parse(s.admin("GET", "/v1/consumers/rt/usage")->body)["windows"];
        if (windows[0]["reserved"] == 0) {
            break;
        }
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(windows[0]["used"], tokens);
    EXPECT_EQ(windows[1]["used"], 4);
}

}  // namespace
}  // namespace tollgate::testing

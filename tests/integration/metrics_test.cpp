// GET /metrics on the real binary: the numbers match what the access log and the ledger
// saw, Prometheus' own parser (promtool) accepts the text, the cardinality cap folds label
// sets into "other" without losing a token, and the token guards it unless metrics.open.
#include "harness.hpp"

#include <cstdio>
#include <filesystem>
#include <map>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

using json = nlohmann::json;

// series text ("name{a=\"b\"}") -> value, as scraped.
using samples = std::map<std::string, double>;

samples parse(const std::string& text) {
    samples out;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos) {
            end = text.size();
        }
        const std::string line = text.substr(at, end - at);
        at = end + 1;
        if (line.empty() || line[0] == '#') {
            continue;
        }
        const std::size_t space = line.rfind(' ');
        out[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return out;
}

// The sum of the series of `name` whose label text contains every one of `parts`.
double sum(const samples& s, const std::string& name, const std::vector<std::string>& parts = {}) {
    double total = 0;
    for (const auto& [series, v] : s) {
        if (series.compare(0, name.size(), name) != 0 ||
            (series.size() > name.size() && series[name.size()] != '{')) {
            continue;
        }
        bool all = true;
        for (const auto& p : parts) {
            all = all && series.find(p) != std::string::npos;
        }
        total += all ? v : 0;
    }
    return total;
}

std::string promtool() {
    const std::string bundled = TG_SOURCE_DIR "/.tools/promtool";
    return std::filesystem::exists(bundled) ? bundled : "promtool";
}

// promtool's verdict on `text`: its exit status and what it said.
std::pair<int, std::string> promtool_check(const std::string& text) {
    const std::string file = make_temp_dir() + "/metrics.txt";
    write_file(file, text);
    const std::string cmd = promtool() + " check metrics < " + file + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) {
        return {-1, "popen failed"};
    }
    std::string said;
    char buf[512];
    while (const std::size_t n = std::fread(buf, 1, sizeof buf, p)) {
        said.append(buf, n);
    }
    const int status = pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, said};
}

const std::string plans = R"(pricing:
  "gpt-*": { input: 0.15, output: 0.60 }
plans:
  p: { limits: [ { window: day, tokens: 100000 }, { window: day, cost_usd: 50 } ] }
  tiny: { limits: [ { window: day, tokens: 20 } ] }
default_plan: p
)";

class Metrics : public ::testing::Test {
protected:
    void start(const std::string& extra = "") {
        s_.emplace("", "", "", plans + extra);
        s_->admin("POST", "/v1/consumers", R"({"id":"a"})");
        s_->admin("POST", "/v1/consumers", R"({"id":"poor","plan":"tiny"})");
        key_ = json::parse(s_->admin("POST", "/v1/consumers/a/keys", "{}")->body)["key"];
        poor_ = json::parse(s_->admin("POST", "/v1/consumers/poor/keys", "{}")->body)["key"];
    }
    std::optional<response> chat(const std::string& key,
                                 const std::string& model,
                                 bool stream = false,
                                 int max_tokens = 12) {
        return request(s_->gateway_port(),
                       "POST",
                       "/v1/chat/completions",
                       R"({"model":")" + model +
                           R"(","messages":[{"role":"user","content":"count these words"}],)" +
                           (stream ? R"("stream":true,)" : "") + R"("max_tokens":)" +
                           std::to_string(max_tokens) + "}",
                       {"Authorization: Bearer " + key});
    }
    // A scrape once the workers' last requests are counted (they count as each one ends, and
    // publish their gauges every 100 ms).
    std::string scrape() {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        auto r = s_->admin("GET", "/metrics");
        EXPECT_TRUE(r && r->status == 200);
        if (r) {
            EXPECT_EQ(r->header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
        }
        return r ? r->body : "";
    }
    json windows(const std::string& consumer) {
        return json::parse(
            s_->admin("GET", "/v1/consumers/" + consumer + "/usage")->body)["windows"];
    }
    std::optional<stack> s_;
    std::string key_;
    std::string poor_;
};

TEST_F(Metrics, CountWhatTheLedgerCharged) {
    start();
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(chat(key_, "gpt-4o-mini")->status, 200);
    }
    ASSERT_EQ(chat(key_, "gpt-4o-mini", true)->status, 200);
    ASSERT_EQ(chat(poor_, "gpt-4o-mini", false, 1000)->status, 200);  // clamped to what is left
    ASSERT_EQ(chat(poor_, "gpt-4o-mini")->status, 429);               // nothing is left
    ASSERT_EQ(request(s_->gateway_port(), "GET", "/v1/nothing", "")->status, 404);
    ASSERT_EQ(request(s_->gateway_port(), "POST", "/v1/chat/completions", "{}")->status, 401);

    const std::string text = scrape();
    const auto m = parse(text);
    EXPECT_EQ(sum(m,
                  "tollgate_requests_total",
                  {R"(route="chat_completions")", R"(status="2xx")", R"(upstream="mock-openai")"}),
              5)
        << text;
    EXPECT_EQ(sum(m, "tollgate_requests_total", {R"(status="4xx")"}), 3);
    EXPECT_EQ(sum(m, "tollgate_requests_total", {R"(route="none")", R"(upstream="none")"}), 1);
    EXPECT_EQ(sum(m, "tollgate_admissions_total", {R"(outcome="admitted")"}), 4);
    EXPECT_EQ(sum(m, "tollgate_admissions_total", {R"(outcome="clamped")"}), 1);
    EXPECT_EQ(sum(m, "tollgate_admissions_total", {R"(outcome="quota_exceeded")"}), 1);

    // Exactly what the ledger charged each consumer: tokens, and dollars to the pico.
    const auto used = windows("a");
    EXPECT_EQ(sum(m, "tollgate_tokens_total", {R"(consumer="a")", R"(type="prompt")"}) +
                  sum(m, "tollgate_tokens_total", {R"(consumer="a")", R"(type="completion")"}),
              used[0]["used"].get<double>());
    EXPECT_GT(used[0]["used"].get<double>(), 4 * 12);
    EXPECT_NEAR(sum(m, "tollgate_cost_usd_total", {R"(consumer="a")"}),
                used[1]["used"].get<double>(),
                1e-12);
    EXPECT_GT(sum(m, "tollgate_cost_usd_total", {R"(consumer="a")"}), 0);
    EXPECT_EQ(sum(m, "tollgate_tokens_total", {R"(consumer="poor")", R"(type="prompt")"}) +
                  sum(m, "tollgate_tokens_total", {R"(consumer="poor")", R"(type="completion")"}),
              windows("poor")[0]["used"].get<double>());

    // Every request is in the duration histogram; the forwarded ones in the upstream's.
    EXPECT_EQ(sum(m, "tollgate_request_duration_seconds_count"), 8);
    EXPECT_EQ(sum(m, "tollgate_request_duration_seconds_bucket", {R"(le="+Inf")"}), 8);
    EXPECT_EQ(sum(m, "tollgate_upstream_ttfb_seconds_count"), 5);
    EXPECT_EQ(sum(m, "tollgate_gateway_duration_seconds_count"), 8);
    EXPECT_EQ(sum(m, "tollgate_reservations_open"), 0);
    EXPECT_EQ(sum(m, "tollgate_key_cache_hits_total") + sum(m, "tollgate_key_cache_misses_total"),
              6);  // the six requests that sent a key
    EXPECT_GE(sum(m, "tollgate_upstream_idle_connections"), 1);
    EXPECT_EQ(sum(m, "tollgate_build_info", {R"(store="memory")"}), 1);

    const auto [status, said] = promtool_check(text);
    EXPECT_EQ(status, 0) << promtool() << " check metrics said:\n" << said << "\n" << text;
}

TEST_F(Metrics, FoldLabelSetsPastTheCapIntoOtherLosingNothing) {
    start("metrics: { max_series: 1 }\n");
    for (int i = 0; i < 6; ++i) {
        ASSERT_EQ(chat(key_, "gpt-model-" + std::to_string(i))->status, 200);
    }
    const std::string text = scrape();
    const auto m = parse(text);
    // Two workers, one label set each at most; the rest is "other".
    int kept = 0;
    for (const auto& [series, v] : m) {
        if (series.starts_with("tollgate_cost_usd_total{") &&
            series.find(R"(consumer="other")") == std::string::npos) {
            ++kept;
        }
    }
    EXPECT_LE(kept, 2) << text;
    EXPECT_GT(sum(m, "tollgate_cost_usd_total", {R"(consumer="other",model="other")"}), 0) << text;
    const auto used = windows("a");
    EXPECT_EQ(sum(m, "tollgate_tokens_total", {R"(type="prompt")"}) +
                  sum(m, "tollgate_tokens_total", {R"(type="completion")"}),
              used[0]["used"].get<double>());
    EXPECT_EQ(promtool_check(text).first, 0);
}

TEST_F(Metrics, CountTheRedisStoresCommands) {
    redis_server redis;
    start("store: { kind: redis, url: \"" + redis.url(5) + "\" }\n");
    for (int i = 0; i < 4; ++i) {
        ASSERT_EQ(chat(key_, "gpt-4o-mini")->status, 200);
    }
    const std::string text = scrape();
    const auto m = parse(text);
    EXPECT_GT(sum(m, "tollgate_store_commands_total"), 0) << text;
    EXPECT_EQ(sum(m, "tollgate_store_command_duration_seconds_count") +
                  sum(m, "tollgate_store_errors_total") + sum(m, "tollgate_store_timeouts_total"),
              sum(m, "tollgate_store_commands_total"));
    EXPECT_GE(sum(m, "tollgate_leases_held"), 1);  // the consumer's lease, held for more requests
    EXPECT_EQ(sum(m, "tollgate_build_info", {R"(store="redis")"}), 1);
    EXPECT_EQ(promtool_check(text).first, 0);
}

TEST_F(Metrics, NeedTheAdminTokenUnlessOpen) {
    start();
    auto anonymous = request(s_->admin_port(), "GET", "/metrics", "");
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 401);
    s_.reset();
    start("metrics: { open: true }\n");
    anonymous = request(s_->admin_port(), "GET", "/metrics", "");
    ASSERT_TRUE(anonymous);
    EXPECT_EQ(anonymous->status, 200);
    EXPECT_NE(anonymous->body.find("tollgate_requests_total"), std::string::npos);
    // The rest of the Admin API stays closed.
    EXPECT_EQ(request(s_->admin_port(), "GET", "/v1/consumers", "")->status, 401);
}

}  // namespace
}  // namespace tollgate::testing

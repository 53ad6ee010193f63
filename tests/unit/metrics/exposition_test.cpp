#include "tollgate/metrics/exposition.hpp"

#include <gtest/gtest.h>

namespace tollgate::metrics {
namespace {

bool has(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(Exposition, SumsWorkersPerLabelSet) {
    worker_metrics one(10);
    worker_metrics two(10);
    request_sample s;
    s.route = "chat_completions";
    s.status = 200;
    s.upstream = "openai";
    s.consumer = "acme";
    s.model = "gpt-4o";
    s.prompt_tokens = 10;
    s.completion_tokens = 5;
    s.cached_tokens = 4;
    s.reasoning_tokens = 0;
    s.cost_pico_usd = 1'500'000;  // 1.5e-6 USD
    s.admitted = admission::admitted;
    s.latency = std::chrono::microseconds(800);
    s.upstream_time = std::chrono::microseconds(700);
    s.upstream_ttfb = std::chrono::microseconds(300);
    one.record(s);
    two.record(s);
    s.status = 429;
    s.upstream = {};
    s.prompt_tokens = s.completion_tokens = s.cached_tokens = s.reasoning_tokens = -1;
    s.cost_pico_usd = -1;
    s.admitted = admission::quota_exceeded;
    s.upstream_time = std::chrono::microseconds(0);
    s.upstream_ttfb = std::chrono::microseconds(-1);
    two.record(s);
    const worker_metrics* both[] = {&one, &two};
    const std::string text = render(both, {"1.2.3", "memory", 1700000000.5});

    EXPECT_TRUE(has(
        text,
        R"(tollgate_requests_total{route="chat_completions",status="2xx",upstream="openai"} 2)"))
        << text;
    EXPECT_TRUE(
        has(text,
            R"(tollgate_requests_total{route="chat_completions",status="4xx",upstream="none"} 1)"));
    EXPECT_TRUE(
        has(text, R"(tollgate_tokens_total{consumer="acme",model="gpt-4o",type="prompt"} 20)"));
    EXPECT_TRUE(
        has(text, R"(tollgate_tokens_total{consumer="acme",model="gpt-4o",type="cached"} 8)"));
    EXPECT_TRUE(has(text, R"(tollgate_cost_usd_total{consumer="acme",model="gpt-4o"} 0.000003)"));
    EXPECT_TRUE(has(text, R"(tollgate_admissions_total{outcome="admitted"} 2)"));
    EXPECT_TRUE(has(text, R"(tollgate_admissions_total{outcome="quota_exceeded"} 1)"));
    // Cumulative buckets; the gateway's share is latency minus upstream time (100 us).
    EXPECT_TRUE(has(text, R"(tollgate_gateway_duration_seconds_bucket{le="0.00025"} 2)"));
    EXPECT_TRUE(has(text, R"(tollgate_request_duration_seconds_bucket{le="0.0005"} 0)"));
    EXPECT_TRUE(has(text, R"(tollgate_request_duration_seconds_bucket{le="0.001"} 3)"));
    EXPECT_TRUE(has(text, R"(tollgate_request_duration_seconds_bucket{le="+Inf"} 3)"));
    EXPECT_TRUE(has(text, R"(tollgate_request_duration_seconds_sum 0.0024)"));
    EXPECT_TRUE(has(text, R"(tollgate_upstream_ttfb_seconds_count 2)"));
    EXPECT_TRUE(has(text, R"(tollgate_build_info{version="1.2.3",store="memory"} 1)"));
    EXPECT_TRUE(has(text, R"(tollgate_start_time_seconds 1700000000.500)"));
}

TEST(Exposition, CostIsAnExactDecimal) {
    worker_metrics w(4);
    request_sample s;
    s.consumer = "c";
    s.model = "m";
    s.prompt_tokens = 1;
    s.cost_pico_usd = 12'345'000'000'001;  // 12.345000000001 USD
    w.record(s);
    const worker_metrics* all[] = {&w};
    EXPECT_TRUE(
        has(render(all, {}), R"(tollgate_cost_usd_total{consumer="c",model="m"} 12.345000000001)"));
}

TEST(Exposition, EscapesLabelValues) {
    std::string out;
    append_label_value(out, "a\"b\\c\nd");
    EXPECT_EQ(out, R"(a\"b\\c\nd)");
}

TEST(Exposition, EveryFamilyHasHelpAndType) {
    worker_metrics w(4);
    const worker_metrics* all[] = {&w};
    const std::string text = render(all, {});
    std::size_t types = 0;
    std::size_t helps = 0;
    for (std::size_t at = 0; (at = text.find("# TYPE ", at)) != std::string::npos; ++at) {
        ++types;
    }
    for (std::size_t at = 0; (at = text.find("# HELP ", at)) != std::string::npos; ++at) {
        ++helps;
    }
    EXPECT_EQ(types, helps);
    EXPECT_GE(types, 20u);
}

}  // namespace
}  // namespace tollgate::metrics

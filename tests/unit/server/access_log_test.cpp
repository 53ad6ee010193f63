#include "tollgate/server/access_log.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::server {
namespace {

access_record sample() {
    access_record r;
    r.request_id = "rid-1";
    r.method = "POST";
    r.path = "/v1/chat/completions";
    r.model = "gpt-4o mini";
    r.upstream = "openai";
    r.consumer = "acme";
    r.key_prefix = "tg_AbCdEfGh";
    r.status = 200;
    r.bytes_in = 10;
    r.bytes_out = 20;
    r.sse_events = 3;
    r.latency = std::chrono::microseconds(1500);
    return r;
}

TEST(AccessLine, TextIsKeyValueWithQuotedSpaces) {
    EXPECT_EQ(
        format_access_line(sample(), config::log_format::text),
        "rid=rid-1 method=POST path=/v1/chat/completions model=\"gpt-4o mini\" upstream=openai "
        "consumer=acme key=tg_AbCdEfGh status=200 bytes_in=10 bytes_out=20 sse_events=3 ms=1.500 "
        "error=-");
}

TEST(AccessLine, JsonIsOneObject) {
    auto r = sample();
    r.error = "upstream \"x\" failed";
    const auto j = nlohmann::json::parse(format_access_line(r, config::log_format::json));
    EXPECT_EQ(j["request_id"], "rid-1");
    EXPECT_EQ(j["status"], 200);
    EXPECT_EQ(j["consumer"], "acme");
    EXPECT_EQ(j["key"], "tg_AbCdEfGh");
    EXPECT_EQ(j["error"], "upstream \"x\" failed");
    EXPECT_DOUBLE_EQ(j["latency_ms"].get<double>(), 1.5);
}

}  // namespace
}  // namespace tollgate::server

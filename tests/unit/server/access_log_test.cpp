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
    EXPECT_EQ(format_access_line(sample(), config::log_format::text),
              "request_id=rid-1 method=POST path=/v1/chat/completions model=\"gpt-4o mini\" "
              "upstream=openai "
              "consumer=acme key=tg_AbCdEfGh status=200 bytes_in=10 bytes_out=20 sse_events=3 "
              "latency_ms=1.500 "
              "error=-");
}

TEST(AccessLine, AForwardedRequestNamesItsEndpointAndAttempts) {
    auto r = sample();
    r.endpoint = "http://10.0.0.2:8000";
    r.attempts = 2;
    EXPECT_NE(format_access_line(r, config::log_format::text)
                  .find(" sse_events=3 endpoint=http://10.0.0.2:8000 attempts=2 latency_ms="),
              std::string::npos);
    const auto j = nlohmann::json::parse(format_access_line(r, config::log_format::json));
    EXPECT_EQ(j["endpoint"], "http://10.0.0.2:8000");
    EXPECT_EQ(j["attempts"], 2);
}

TEST(AccessLine, AValueIsQuotedWhereverItsSpaceQuoteOrEqualsSignIs) {
    // The check reads eight bytes at a time, the last word overlapping: every length and
    // position, so that no byte falls between words.
    for (std::size_t len = 1; len <= 24; ++len) {
        for (std::size_t at = 0; at < len; ++at) {
            for (const char c : {' ', '"', '='}) {
                std::string model(len, 'm');
                model[at] = c;
                auto r = sample();
                r.model = model;
                const auto line = format_access_line(r, config::log_format::text);
                EXPECT_EQ(line.find(" model=" + model + " "), std::string::npos) << line;
                EXPECT_NE(line.find(" model=\""), std::string::npos) << line;
            }
        }
        auto r = sample();
        r.model = std::string(len, 'm');
        EXPECT_NE(format_access_line(r, config::log_format::text)
                      .find(" model=" + std::string(len, 'm') + " "),
                  std::string::npos)
            << "plain text is not quoted";
    }
}

TEST(AccessLine, MeteredRequestsShowTokensReservedAndCost) {
    auto r = sample();
    r.prompt_tokens = 22;
    r.completion_tokens = 8;
    r.reserved_tokens = 40;
    r.cost_pico_usd = 22 * 150'000 + 8 * 600'000;
    const auto line = format_access_line(r, config::log_format::text);
    EXPECT_NE(
        line.find("prompt_tokens=22 completion_tokens=8 reserved_tokens=40 cost_usd=0.000008100"),
        std::string::npos)
        << line;
    EXPECT_EQ(format_access_line(sample(), config::log_format::text).find("prompt_tokens="),
              std::string::npos)
        << "unmetered requests do not claim zero tokens";
}

TEST(AccessLine, AppendsAfterWhatTheBatchHoldsWithLongAndQuotedValues) {
    auto r = sample();
    const std::string model(3000, 'm');  // far beyond the writer's budget for fixed parts
    const std::string error(2000, ' ');  // every byte quoted, and the writer reopened
    r.model = model;
    r.error = error;
    r.prompt_tokens = 1;
    r.completion_tokens = 0;
    r.reserved_tokens = 2;
    r.cost_pico_usd = 1'234'567'890'123'500;  // $1234.5678901235, half up at the nano-dollar
    std::string batch = "earlier line\n";
    append_access_line(batch, r, config::log_format::text);
    batch += '\n';
    append_access_line(batch, sample(), config::log_format::text);
    EXPECT_EQ(batch,
              "earlier line\n" + format_access_line(r, config::log_format::text) + "\n" +
                  format_access_line(sample(), config::log_format::text));
    const auto line = format_access_line(r, config::log_format::text);
    EXPECT_NE(line.find(" model=" + model + " upstream="), std::string::npos);
    EXPECT_NE(line.find(" error=\"" + error + "\""), std::string::npos);
    EXPECT_NE(line.find(" cost_usd=1234.567890124 token_count=- latency_ms=1.500"),
              std::string::npos)
        << line;
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

TEST(AccessLine, AnUnmeteredRequestHasNullWhereTheNumbersWouldBe) {
    const auto j = nlohmann::json::parse(format_access_line(sample(), config::log_format::json));
    for (const char* absent : {"prompt_tokens",
                               "completion_tokens",
                               "cached_tokens",
                               "reasoning_tokens",
                               "reserved_tokens",
                               "cost_usd",
                               "token_count",
                               "usage_flag",
                               "endpoint",
                               "error"}) {
        ASSERT_TRUE(j.contains(absent)) << absent;
        EXPECT_TRUE(j[absent].is_null()) << absent << " = " << j[absent];
    }
}

TEST(AccessLine, TextAndJsonNameTheSameFields) {
    auto r = sample();
    r.model = "gpt-4o-mini";  // no quoted values: the split below is by spaces
    r.endpoint = "http://10.0.0.2:8000";
    r.attempts = 1;
    r.prompt_tokens = 22;
    r.completion_tokens = 8;
    r.cached_tokens = 4;
    r.reasoning_tokens = 2;
    r.reserved_tokens = 40;
    r.cost_pico_usd = 7;
    r.token_count = "upstream";
    r.usage_flag = "clamped";
    r.error = "x";
    const auto text = format_access_line(r, config::log_format::text);
    const auto j = nlohmann::json::parse(format_access_line(r, config::log_format::json));
    std::size_t keys = 0;
    for (std::size_t at = 0; at < text.size();) {
        const auto eq = text.find('=', at);
        ASSERT_NE(eq, std::string::npos) << text;
        const std::string key = text.substr(at, eq - at);
        EXPECT_TRUE(j.contains(key)) << key << " is in the text line only";
        ++keys;
        at = text.find(' ', eq);  // no quoted values in this record
        at = at == std::string::npos ? text.size() : at + 1;
    }
    EXPECT_EQ(keys, j.size()) << text << "\n" << j.dump();
    EXPECT_EQ(j["cached_tokens"], 4);
    EXPECT_EQ(j["reasoning_tokens"], 2);
    EXPECT_NE(text.find(" cached_tokens=4 reasoning_tokens=2 reserved_tokens=40"),
              std::string::npos)
        << text;
}

}  // namespace
}  // namespace tollgate::server

// The upstreams entries' endpoint, balancing, health, retry, fallback and cap keys.
#include "tollgate/config/load.hpp"

#include <gtest/gtest.h>

namespace tollgate::config {
namespace {

using namespace std::chrono_literals;

const env_lookup no_env = [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
};

load_result parse(const std::string& upstreams) {
    return parse_config("admin: { token: t }\nupstreams:\n" + upstreams, "t.yaml", no_env);
}

std::string all_problems(const load_result& r) {
    std::string out;
    for (const auto& p : r.problems) {
        out += to_string(p) + "\n";
    }
    return out;
}

TEST(UpstreamSection, AUrlIsOneEndpointWithTheUpstreamsKey) {
    auto r = parse("  - { name: a, url: http://h:1, api_key: k, models: [\"*\"] }\n");
    ASSERT_TRUE(r.problems.empty()) << all_problems(r);
    const auto& u = r.value.upstreams.at(0);
    ASSERT_EQ(u.endpoints.size(), 1u);
    EXPECT_EQ(u.endpoints[0].url, "http://h:1");
    EXPECT_FALSE(u.endpoints[0].api_key);
    EXPECT_EQ(u.endpoints[0].weight, 1u);
    EXPECT_EQ(u.keepalive_timeout, 4s);
    EXPECT_EQ(u.retries.attempts, 1u);
    EXPECT_TRUE(u.retries.on.connect_failure);
    EXPECT_FALSE(u.retries.on.timeout);
}

TEST(UpstreamSection, ReadsEveryResilienceKey) {
    auto r = parse(R"(  - name: a
    models: ["*"]
    endpoints:
      - { url: http://h1:1, weight: 3, api_key: k1 }
      - { url: "https://h2" }
    balance: least_requests
    keepalive_timeout: 2s
    health: { failures: 2, eject_time: 1s, max_eject_time: 8s }
    retries: { attempts: 3, budget: 0.5, min_per_second: 2, on: [connect_failure, timeout, 5xx] }
    fallbacks: [ { upstream: b, model: m2 }, { upstream: b } ]
    fallback_on: [429, reset]
    max_connections: 10
    max_in_flight: 20
    queue_timeout: 250ms
  - { name: b, url: http://h3:1, models: ["m*"] }
)");
    ASSERT_TRUE(r.problems.empty()) << all_problems(r);
    const auto& u = r.value.upstreams.at(0);
    ASSERT_EQ(u.endpoints.size(), 2u);
    EXPECT_EQ(u.endpoints[0].weight, 3u);
    EXPECT_EQ(u.endpoints[0].api_key, "k1");
    EXPECT_EQ(u.endpoints[1].url, "https://h2");
    EXPECT_EQ(u.balancing, balance::least_requests);
    EXPECT_EQ(u.keepalive_timeout, 2s);
    EXPECT_EQ(u.health.failures, 2u);
    EXPECT_EQ(u.health.eject_time, 1s);
    EXPECT_EQ(u.health.max_eject_time, 8s);
    EXPECT_EQ(u.retries.attempts, 3u);
    EXPECT_DOUBLE_EQ(u.retries.budget, 0.5);
    EXPECT_EQ(u.retries.min_per_second, 2u);
    EXPECT_TRUE(u.retries.on.connect_failure);
    EXPECT_FALSE(u.retries.on.reset);
    EXPECT_TRUE(u.retries.on.timeout);
    EXPECT_EQ(u.retries.on.statuses.size(), 100u);  // 500..599
    ASSERT_EQ(u.fallbacks.size(), 2u);
    EXPECT_EQ(u.fallbacks[0].upstream, "b");
    EXPECT_EQ(u.fallbacks[0].model, "m2");
    EXPECT_EQ(u.fallbacks[1].model, "");
    EXPECT_TRUE(u.fallback_on.reset);
    EXPECT_FALSE(u.fallback_on.timeout);
    EXPECT_EQ(u.fallback_on.statuses, std::vector<unsigned>{429});
    EXPECT_EQ(u.max_connections, 10u);
    EXPECT_EQ(u.max_in_flight, 20u);
    EXPECT_EQ(u.queue_timeout, 250ms);
}

TEST(UpstreamSection, MistakesAreReportedByKey) {
    auto r = parse(R"(  - name: a
    url: http://h:1
    models: ["*"]
    endpoints: [ { url: "ftp://x", weight: 0 } ]
    retries: { attempts: 11, budget: 2, on: [sometimes, 200] }
    health: { eject_time: 10s, max_eject_time: 1s }
    fallbacks: [ { upstream: a }, { upstream: nobody }, { model: x } ]
)");
    const std::string all = all_problems(r);
    for (const char* key : {"upstreams[0].url",
                            "upstreams[0].endpoints[0].url",
                            "upstreams[0].endpoints[0].weight",
                            "upstreams[0].retries.attempts",
                            "upstreams[0].retries.budget",
                            "upstreams[0].retries.on",
                            "upstreams[0].health.max_eject_time",
                            "upstreams[0].fallbacks[2].upstream"}) {
        EXPECT_NE(all.find(key), std::string::npos) << key << " in:\n" << all;
    }
    EXPECT_NE(all.find("'sometimes'"), std::string::npos) << all;
    EXPECT_NE(all.find("'200'"), std::string::npos) << all;
}

TEST(UpstreamSection, FallbacksMustNameAnotherUpstream) {
    auto r = parse(R"(  - name: a
    url: http://h:1
    models: ["*"]
    fallbacks: [ { upstream: a }, { upstream: nobody } ]
)");
    const auto problems = validate(r.value, "t.yaml");
    std::string all;
    for (const auto& p : problems) {
        all += to_string(p) + "\n";
    }
    EXPECT_NE(all.find("upstreams[0].fallbacks[0].upstream"), std::string::npos) << all;
    EXPECT_NE(all.find("upstreams[0].fallbacks[1].upstream"), std::string::npos) << all;
}

TEST(UpstreamSection, AFallbackToAnotherModelOfTheSameUpstreamIsFine) {
    auto r = parse(R"(  - name: a
    url: http://h:1
    models: ["*"]
    fallbacks: [ { upstream: a, model: gpt-4o-mini } ]
)");
    ASSERT_TRUE(r.problems.empty()) << all_problems(r);
    EXPECT_TRUE(validate(r.value, "t.yaml").empty());
}

TEST(UpstreamSection, StreamLimitsHaveDefaultsAndMustBePositive) {
    auto r = parse(
        "  - { name: a, url: http://h:1, models: [\"*\"], max_event_gap: 20s, "
        "max_stream_duration: 1h }\n");
    ASSERT_TRUE(r.problems.empty()) << all_problems(r);
    EXPECT_EQ(r.value.upstreams.at(0).max_event_gap, 20s);
    EXPECT_EQ(r.value.upstreams.at(0).max_stream_duration, 3600s);
    EXPECT_EQ(upstream_config().max_event_gap, 300s);
    EXPECT_EQ(upstream_config().max_stream_duration, 1800s);
    for (const char* key :
         {"timeout", "connect_timeout", "idle_timeout", "max_event_gap", "max_stream_duration"}) {
        auto bad = parse(std::string("  - { name: a, url: http://h:1, models: [\"*\"], ") + key +
                         ": 0s }\n");
        const std::string all = all_problems(bad);
        EXPECT_NE(all.find(std::string("upstreams[0].") + key), std::string::npos) << all;
        EXPECT_NE(all.find("must be more than 0"), std::string::npos) << all;
        EXPECT_NE(all.find("t.yaml:"), std::string::npos) << all;
    }
}

TEST(UpstreamSection, AUrlEndingInV1IsRefusedWithTheReason) {
    for (const char* url : {"http://h:1/v1", "https://h/openai/v1", "http://h:1/v1/"}) {
        for (const bool listed : {false, true}) {
            const std::string entry =
                listed ? std::string("  - { name: a, models: [\"*\"], endpoints: [ { url: ") + url +
                             " } ] }\n"
                       : std::string("  - { name: a, models: [\"*\"], url: ") + url + " }\n";
            const auto r = parse(entry);
            const auto text = all_problems(r);
            EXPECT_NE(text.find("drop the trailing /v1"), std::string::npos) << url << ": " << text;
        }
    }
    EXPECT_TRUE(
        parse("  - { name: a, url: \"http://h:1/openai\", models: [\"*\"] }\n").problems.empty())
        << "a prefix that is not /v1 is a prefix";
}

}  // namespace
}  // namespace tollgate::config

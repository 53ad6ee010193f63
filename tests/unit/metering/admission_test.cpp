#include "tollgate/metering/admission.hpp"

#include <gtest/gtest.h>

namespace tollgate::metering {
namespace {

TEST(Admission, SetsTheCompletionLimitInPlaceOrFirst) {
    std::string body = R"({"model":"m","max_tokens":5000,"messages":[]})";
    const auto at = body.find("5000");
    set_completion_limit(body, std::string_view(body).substr(at, 4), "max_tokens", 120);
    EXPECT_EQ(body, R"({"model":"m","max_tokens":120,"messages":[]})");
    std::string missing = R"( {"model":"m"})";
    set_completion_limit(missing, {}, "max_output_tokens", 7);
    EXPECT_EQ(missing, R"( {"max_output_tokens":7,"model":"m"})");
    std::string empty = "{ }";
    set_completion_limit(empty, {}, "max_tokens", 1);
    EXPECT_EQ(empty, R"({"max_tokens":1 })");
}

TEST(Admission, ResetsInOpenAisDurationFormat) {
    EXPECT_EQ(format_reset(0), "0s");
    EXPECT_EQ(format_reset(59), "59s");
    EXPECT_EQ(format_reset(360), "6m0s");
    EXPECT_EQ(format_reset(3723), "1h2m3s");
    EXPECT_EQ(format_reset(-5), "0s");
}

TEST(Admission, HeadersNameTheTightestTokenWindowAndTheRequests) {
    const std::vector<config::limit> limits{
        {config::window::minute, config::metric::tokens, 1000, {}},
        {config::window::day, config::metric::tokens, 5000, {}},
        {config::window::minute, config::metric::requests, 60, {}},
    };
    const std::vector<quota::bucket> buckets{{100, 50}, {4800, 50}, {10, 1}};
    const std::vector<std::int64_t> resets{130, 86400, 130};
    const auto h = ratelimit_headers(limits, buckets, resets, 100);
    ASSERT_EQ(h.size(), 6u);
    EXPECT_EQ(h[0].name, "x-ratelimit-limit-tokens");
    EXPECT_EQ(h[0].value, "5000");  // the day: 150 left, tighter than the minute's 850
    EXPECT_EQ(h[1].value, "150");
    EXPECT_EQ(h[2].value, "23h58m20s");
    EXPECT_EQ(h[3].name, "x-ratelimit-limit-requests");
    EXPECT_EQ(h[4].value, "49");
    EXPECT_EQ(h[5].value, "30s");
}

}  // namespace
}  // namespace tollgate::metering

#include "tollgate/metering/admission.hpp"

#include "tollgate/proxy/request_body.hpp"

#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

TEST(Admission, AsksAStreamForItsUsageWhateverTheClientWrote) {
    const auto ask = [](std::string body) {
        const auto f = proxy::scan_request_body(body, 32);
        EXPECT_TRUE(f);
        apply_edits(body, {include_usage_edit(body, f->stream_options_raw, f->include_usage_raw)});
        const auto after = proxy::scan_request_body(body, 32);
        EXPECT_TRUE(after && after->include_usage) << body;
        return body;
    };
    EXPECT_EQ(ask(R"({"model":"m","stream":true})"),
              R"({"stream_options":{"include_usage":true},"model":"m","stream":true})");
    EXPECT_EQ(ask(R"({"model":"m","stream_options":{}})"),
              R"({"model":"m","stream_options":{"include_usage":true}})");
    EXPECT_EQ(ask(R"({"model":"m","stream_options":{"x":1}})"),
              R"({"model":"m","stream_options":{"include_usage":true,"x":1}})");
    EXPECT_EQ(ask(R"({"model":"m","stream_options":{"include_usage":false}})"),
              R"({"model":"m","stream_options":{"include_usage":true}})");
    EXPECT_EQ(ask(R"({"model":"m","stream_options":{"include_usage":"no"}})"),
              R"({"model":"m","stream_options":{"include_usage":true}})");
    EXPECT_EQ(ask(R"({"model":"m","stream_options":null})"),
              R"({"model":"m","stream_options":{"include_usage":true}})");
}

TEST(Admission, EditsOfOneBodyApplyTogether) {
    std::string body = R"({"model":"m","stream_options":{"include_usage":false},"max_tokens":900})";
    const auto f = proxy::scan_request_body(body, 32);
    ASSERT_TRUE(f);
    apply_edits(body,
                {completion_limit_edit(body, f->max_tokens_raw, "max_tokens", 7),
                 include_usage_edit(body, f->stream_options_raw, f->include_usage_raw)});
    EXPECT_EQ(body, R"({"model":"m","stream_options":{"include_usage":true},"max_tokens":7})");
    std::string bare = R"({"model":"m"})";
    apply_edits(
        bare, {completion_limit_edit(bare, {}, "max_tokens", 7), include_usage_edit(bare, {}, {})});
    const auto g = proxy::scan_request_body(bare, 32);
    ASSERT_TRUE(g) << bare;
    EXPECT_TRUE(g->include_usage);
    EXPECT_EQ(g->max_tokens, 7);
}

TEST(Admission, ResetsInOpenAisDurationFormat) {
    EXPECT_EQ(format_reset(0), "0s");
    EXPECT_EQ(format_reset(59), "59s");
    EXPECT_EQ(format_reset(360), "6m0s");
    EXPECT_EQ(format_reset(3723), "1h2m3s");
    EXPECT_EQ(format_reset(-5), "0s");
    EXPECT_EQ(format_reset(31 * 86400 - 1), "743h59m59s");  // the longest window
}

TEST(Admission, HeaderValuesAreHeldInline) {
    EXPECT_EQ(header("Retry-After", std::int64_t{7}).value(), "7");
    EXPECT_EQ(header("x", std::numeric_limits<std::int64_t>::min()).value(),
              "-9223372036854775808");
    EXPECT_EQ(header("x", std::string(30, 'a')).value(), std::string(header::capacity, 'a'));
}

TEST(Admission, HeadersNameTheTightestTokenWindowAndTheRequests) {
    const std::vector<config::limit> limits{
        {config::window::minute, config::metric::tokens, 1000, {}},
        {config::window::day, config::metric::tokens, 5000, {}},
        {config::window::minute, config::metric::requests, 60, {}},
    };
    const std::vector<quota::bucket> buckets{{100, 50}, {4800, 50}, {10, 1}};
    const std::vector<std::int64_t> resets{130, 86400, 130};
    std::vector<header> h{{"Earlier", "kept"}};  // appended to, as a reused vector is
    ratelimit_headers(limits, buckets, resets, 100, h);
    ASSERT_EQ(h.size(), 7u);
    EXPECT_EQ(h[0].value(), "kept");
    h.erase(h.begin());
    EXPECT_EQ(h[0].name, "x-ratelimit-limit-tokens");
    EXPECT_EQ(h[0].value(), "5000");  // the day: 150 left, tighter than the minute's 850
    EXPECT_EQ(h[1].value(), "150");
    EXPECT_EQ(h[2].value(), "23h58m20s");
    EXPECT_EQ(h[3].name, "x-ratelimit-limit-requests");
    EXPECT_EQ(h[4].value(), "49");
    EXPECT_EQ(h[5].value(), "30s");
}

}  // namespace
}  // namespace tollgate::metering

namespace tollgate::metering {
namespace {

std::string without(std::string body, std::string_view member) {
    const auto at = body.find(member);
    EXPECT_NE(at, std::string::npos);
    apply_edits(body, {remove_member_edit(body, std::string_view(body).substr(at, member.size()))});
    return body;
}

TEST(RemoveMember, TakesTheCommaOnTheRightSideAndLeavesValidJson) {
    EXPECT_EQ(without(R"({"a":1,"max_tokens":5,"b":2})", R"("max_tokens":5)"), R"({"a":1,"b":2})");
    EXPECT_EQ(without(R"({"max_tokens":5, "b":2})", R"("max_tokens":5)"), R"({"b":2})");
    EXPECT_EQ(without(R"({"a":1 , "max_tokens":5 })", R"("max_tokens":5)"), R"({"a":1  })");
    EXPECT_EQ(without(R"({"max_tokens":5})", R"("max_tokens":5)"), R"({})");
    for (const std::string body : {R"({"a":1,"max_tokens":5,"b":2})",
                                   R"({"max_tokens":5,"b":[1,2]})",
                                   R"({"b":{"c":1},  "max_tokens":5})"}) {
        EXPECT_FALSE(nlohmann::json::parse(without(body, R"("max_tokens":5)"), nullptr, false)
                         .is_discarded())
            << body;
    }
}

}  // namespace
}  // namespace tollgate::metering

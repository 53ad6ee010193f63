#include "tollgate/proxy/request_body.hpp"

#include <gtest/gtest.h>

namespace tollgate::proxy {
namespace {

TEST(ScanRequestBody, ReadsTopLevelModelAndStream) {
    auto r = scan_request_body(
        R"({"messages":[{"role":"user","content":"hi","model":"inner"}],"model":"gpt-4o","stream":true})",
        64);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->model, "gpt-4o");
    EXPECT_TRUE(r->stream);
}

TEST(ScanRequestBody, NestedModelKeyDoesNotCount) {
    auto r = scan_request_body(R"({"meta":{"model":"x"},"stream":false})", 64);
    EXPECT_EQ(r.error(), error::missing_model);
}

TEST(ScanRequestBody, RefusesInvalidJson) {
    for (const char* body : {"",
                             "{",
                             "[]",
                             "\"gpt\"",
                             "{\"model\":\"a\",}",
                             "{\"model\":\"a\"} x",
                             "{\"model\":\"a\"}{}",
                             "{\"model\":\"\xff\"}"}) {
        EXPECT_EQ(scan_request_body(body, 64).error(), error::invalid_json) << body;
    }
}

TEST(ScanRequestBody, RefusesMissingOrNonStringModel) {
    EXPECT_EQ(scan_request_body(R"({"messages":[]})", 64).error(), error::missing_model);
    EXPECT_EQ(scan_request_body(R"({"model":42})", 64).error(), error::missing_model);
    EXPECT_EQ(scan_request_body(R"({"model":""})", 64).error(), error::missing_model);
}

TEST(ScanRequestBody, DepthLimitCountsObjectsAndArrays) {
    std::string deep = R"({"model":"m","x":)";
    for (int i = 0; i < 10; ++i) {
        deep += "[";
    }
    for (int i = 0; i < 10; ++i) {
        deep += "]";
    }
    deep += "}";
    EXPECT_TRUE(scan_request_body(deep, 11));
    EXPECT_EQ(scan_request_body(deep, 10).error(), error::json_too_deep);
}

TEST(ScanRequestBody, VeryDeepInputDoesNotOverflowTheStack) {
    const std::string body = "{\"a\":" + std::string(1'000'000, '[');
    EXPECT_EQ(scan_request_body(body, 64).error(), error::json_too_deep);
}

}  // namespace
}  // namespace tollgate::proxy

namespace tollgate::proxy {
namespace {

TEST(RequestBody, PicksOutWhatMeteringNeedsInTheSamePass) {
    const std::string messages = R"([{"role":"user","content":"hello"}])";
    auto r =
        scan_request_body(R"({"model":"m","messages":)" + messages +
                              R"(,"max_completion_tokens":77,"n":3,"stream":true,)"
                              R"("stream_options":{"include_usage":true},"system":"be brief"})",
                          64);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->max_tokens, 77);
    EXPECT_EQ(r->max_tokens_field, "max_completion_tokens");
    EXPECT_EQ(r->n, 3);
    EXPECT_TRUE(r->include_usage);
    EXPECT_EQ(r->prompt_bytes, messages.size() + std::string_view(R"(be brief)").size());

    auto responses = scan_request_body(
        R"({"model":"m","input":"hi","max_output_tokens":5})", 64, api::responses);
    EXPECT_EQ(responses->max_tokens_field, "max_output_tokens");
    EXPECT_EQ(responses->max_tokens, 5);
    EXPECT_EQ(responses->prompt_bytes, 2u);
    EXPECT_FALSE(responses->include_usage);
}

// One reading of the request: what the gateway meters is what the upstream will read.
TEST(RequestBody, AMemberReadTwiceIsRefused) {
    for (const std::string body : {
             R"({"model":"m","model":"n"})",
             R"({"model":"m","max_tokens":5,"max_tokens":5000})",
             R"({"model":"m","max_tok\u0065ns":5,"max_tokens":5000})",  // the same key, escaped
             R"({"model":"m","n":1,"n":9})",
             R"({"model":"m","stream":false,"stream":true})",
             R"({"model":"m","messages":[],"messages":[{"role":"user","content":"x"}]})",
         }) {
        auto r = scan_request_body(body, 64);
        ASSERT_FALSE(r) << body;
        EXPECT_EQ(r.error(), error::duplicate_member) << body;
    }
    EXPECT_TRUE(scan_request_body(R"({"model":"m","user":"a","user":"b"})", 64))
        << "members the gateway does not read are the upstream's business";
}

TEST(RequestBody, CompetingLimitsResolveAsTheApiDocuments) {
    // Chat: max_completion_tokens supersedes max_tokens, whatever the order; the other member
    // is marked for removal.
    for (const std::string body :
         {R"({"model":"m","max_completion_tokens":5000,"max_tokens":5})",
          R"({"model":"m","max_tokens":5,"max_completion_tokens":5000})"}) {
        auto r = scan_request_body(body, 64, api::chat_completions);
        ASSERT_TRUE(r) << body;
        EXPECT_EQ(r->max_tokens, 5000) << body;
        EXPECT_EQ(r->max_tokens_field, "max_completion_tokens");
        EXPECT_EQ(r->superseded_limit, R"("max_tokens":5)") << body;
    }
    // Anthropic messages read max_tokens only: max_completion_tokens is relayed, not read.
    auto m = scan_request_body(
        R"({"model":"c","max_tokens":9,"max_completion_tokens":5000})", 64, api::messages);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->max_tokens, 9);
    EXPECT_TRUE(m->superseded_limit.empty());
}

TEST(RequestBody, MeteredMembersOfTheWrongTypeOrRangeAreRefused) {
    const std::pair<std::string, error> cases[] = {
        {R"({"model":"m","max_tokens":-1})", error::invalid_completion_limit},
        {R"({"model":"m","max_tokens":1.5})", error::invalid_completion_limit},
        {R"({"model":"m","max_tokens":"5"})", error::invalid_completion_limit},
        {R"({"model":"m","max_tokens":9223372036854775808})", error::invalid_completion_limit},
        {R"({"model":"m","max_completion_tokens":1000000001})", error::invalid_completion_limit},
        {R"({"model":"m","n":0})", error::invalid_n},
        {R"({"model":"m","n":-3})", error::invalid_n},
        {R"({"model":"m","n":"2"})", error::invalid_n},
        {R"({"model":"m","stream":"true"})", error::invalid_stream},
        {R"({"model":"m","stream":1})", error::invalid_stream},
        {R"({"model":"m","messages":"hello"})", error::invalid_messages},
        {R"({"model":"m","messages":{}})", error::invalid_messages},
    };
    for (const auto& [body, expected] : cases) {
        auto r = scan_request_body(body, 64);
        ASSERT_FALSE(r) << body;
        EXPECT_EQ(r.error(), expected) << body;
    }
}

TEST(RequestBody, NullMeansNoneButItsPlaceIsKnown) {
    auto r = scan_request_body(R"({"model":"m","max_tokens":null,"n":null,"stream":null})", 64);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->max_tokens);
    EXPECT_EQ(r->max_tokens_field, "max_tokens");  // a clamp replaces the null
    EXPECT_EQ(r->max_tokens_raw, "null");
    EXPECT_EQ(r->n, 1);
    EXPECT_FALSE(r->stream);
}

}  // namespace
}  // namespace tollgate::proxy

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

    auto responses = scan_request_body(R"({"model":"m","input":"hi","max_output_tokens":5})", 64);
    EXPECT_EQ(responses->max_tokens_field, "max_output_tokens");
    EXPECT_EQ(responses->prompt_bytes, 2u);
    EXPECT_FALSE(responses->include_usage);

    auto odd = scan_request_body(R"({"model":"m","max_tokens":-1,"n":0,"prompt":"x"})", 64);
    EXPECT_FALSE(odd->max_tokens) << "left to the upstream to refuse";
    EXPECT_EQ(odd->n, 1);
    auto fractional = scan_request_body(R"({"model":"m","max_tokens":1.5})", 64);
    EXPECT_FALSE(fractional->max_tokens);
}

}  // namespace
}  // namespace tollgate::proxy

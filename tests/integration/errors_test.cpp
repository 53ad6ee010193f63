// Every error the gateway makes itself: status, OpenAI-shaped body and SPEC code.
#include "harness.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

using json = nlohmann::json;

class Errors : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        stack_ = new stack(
            "  limits:\n    max_body_bytes: 4KiB\n    max_header_bytes: 2KiB\n    "
            "max_header_count: 20\n"
            "    max_json_depth: 5\n    header_timeout: 400ms\n    body_timeout: 400ms\n",
            "    timeout: 500ms\n",
            "  - name: dead\n    url: http://127.0.0.1:1\n    models: [\"dead-*\"]\n");
    }
    static void TearDownTestSuite() {
        delete stack_;
        stack_ = nullptr;
    }
    static std::uint16_t gw() { return stack_->gateway_port(); }
    static stack* stack_;
};
stack* Errors::stack_ = nullptr;

void expect_error(const std::optional<response>& r, int status, const std::string& code) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << r->body;
    EXPECT_EQ(r->header("content-type"), "application/json");
    EXPECT_FALSE(r->header("x-request-id").empty());
    const auto j = json::parse(r->body);
    EXPECT_EQ(j["error"]["code"], code) << r->body;
    EXPECT_TRUE(j["error"]["message"].is_string());
    EXPECT_TRUE(j["error"]["type"].is_string());
}

TEST_F(Errors, BadJson400) {
    expect_error(
        request(gw(), "POST", "/v1/chat/completions", "{\"model\":"), 400, "invalid_request");
}

TEST_F(Errors, MissingModel400) {
    expect_error(request(gw(), "POST", "/v1/chat/completions", R"({"messages":[]})"),
                 400,
                 "invalid_request");
}

TEST_F(Errors, TooDeep400) {
    expect_error(
        request(gw(), "POST", "/v1/chat/completions", R"({"model":"gpt-4o","a":[[[[[1]]]]]})"),
        400,
        "invalid_request");
    auto ok = request(gw(), "POST", "/v1/chat/completions", R"({"model":"gpt-4o","a":[[[1]]]})");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200);
}

TEST_F(Errors, UnknownPathAndModel404) {
    expect_error(request(gw(), "POST", "/v1/files", "{}"), 404, "model_not_found");
    expect_error(request(gw(), "GET", "/v1/chat/completions", ""), 404, "model_not_found");
    expect_error(request(gw(), "POST", "/v1/chat/completions", R"({"model":"llama-3"})"),
                 404,
                 "model_not_found");
}

TEST_F(Errors, BodyTooLarge413) {
    const std::string big(5000, 'x');
    expect_error(request(gw(), "POST", "/v1/chat/completions", big), 413, "request_too_large");
    connection c(gw());
    c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 5; ++i) {
        c.send("400\r\n" + std::string(1024, 'y') + "\r\n");
    }
    expect_error(read_response(c), 413, "request_too_large");
    EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(Errors, HeadersTooLarge431) {
    expect_error(
        request(gw(), "POST", "/v1/chat/completions", "{}", {"X-Big: " + std::string(3000, 'h')}),
        431,
        "headers_too_large");
    std::vector<std::string> many;
    for (int i = 0; i < 25; ++i) {
        many.push_back("X-H" + std::to_string(i) + ": v");
    }
    expect_error(
        request(gw(), "POST", "/v1/chat/completions", "{}", many), 431, "headers_too_large");
}

TEST_F(Errors, SlowClient408) {
    connection slow_head(gw());
    slow_head.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n");
    expect_error(read_response(slow_head, 3s), 408, "request_timeout");
    EXPECT_TRUE(slow_head.closed_by_peer());

    connection slow_body(gw());
    slow_body.send(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"model\"");
    expect_error(read_response(slow_body, 3s), 408, "request_timeout");
}

TEST_F(Errors, UpstreamUnreachable502) {
    expect_error(request(gw(), "POST", "/v1/chat/completions", R"({"model":"dead-1"})"),
                 502,
                 "upstream_error");
}

TEST_F(Errors, UpstreamTimeout504) {
    expect_error(request(gw(),
                         "POST",
                         "/v1/chat/completions",
                         R"({"model":"gpt-4o"})",
                         {"x-mock-delay-ms: 3000"}),
                 504,
                 "upstream_timeout");
}

TEST_F(Errors, ErrorsKeepTheConnectionWhenTheBodyWasRead) {
    connection c(gw());
    c.send(make_request("POST", "/v1/chat/completions", R"({"model":"llama"})"));
    expect_error(read_response(c), 404, "model_not_found");
    c.send(make_request("POST", "/v1/chat/completions", R"({"model":"gpt-4o"})"));
    auto r = read_response(c);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace tollgate::testing

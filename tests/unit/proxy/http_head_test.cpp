#include "tollgate/proxy/http_head.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace tollgate::proxy {
namespace {

const std::vector<header_view> client_fields = {
    {"Host", "gateway.example"},
    {"Authorization", "Bearer tg_client_secret"},
    {"x-api-key", "tg_client_secret"},
    {"Content-Type", "application/json"},
    {"Content-Length", "2"},
    {"Connection", "keep-alive, X-Drop-Me"},
    {"X-Drop-Me", "1"},
    {"Keep-Alive", "timeout=5"},
    {"TE", "trailers"},
    {"Proxy-Authorization", "Basic abc"},
    {"X-Consumer-ID", "forged"},
    {"X-Key-ID", "forged"},
    {"Accept-Encoding", "gzip"},
    {"OpenAI-Beta", "assistants=v2"},
};

upstream::target to() {
    return *upstream::parse_target("https://api.example.com/base");
}

TEST(BuildUpstreamHead, OpenAiGetsTheGatewayCredentialOnly) {
    config::upstream_config cfg;
    cfg.api_key = "sk-upstream";
    const auto head = build_upstream_head(
        {"POST", "/v1/chat/completions", "rid-1", client_fields, 2, "acme", "key_1"}, to(), cfg);
    EXPECT_EQ(head.rfind("POST /base/v1/chat/completions HTTP/1.1\r\nHost: api.example.com\r\n", 0),
              0u)
        << head;
    EXPECT_NE(head.find("Authorization: Bearer sk-upstream\r\n"), std::string::npos);
    EXPECT_EQ(head.find("tg_client_secret"), std::string::npos);
    EXPECT_EQ(head.find("forged"), std::string::npos);
    EXPECT_EQ(head.find("X-Drop-Me"), std::string::npos);
    EXPECT_EQ(head.find("Keep-Alive"), std::string::npos);
    EXPECT_EQ(head.find("TE:"), std::string::npos);
    EXPECT_EQ(head.find("Proxy-Authorization"), std::string::npos);
    EXPECT_EQ(head.find("gzip"), std::string::npos);
    EXPECT_NE(head.find("OpenAI-Beta: assistants=v2\r\n"), std::string::npos);
    EXPECT_NE(head.find("X-Request-ID: rid-1\r\n"), std::string::npos);
    EXPECT_NE(head.find("Content-Length: 2\r\n\r\n"), std::string::npos);
    EXPECT_NE(head.find("X-Consumer-ID: acme\r\nX-Key-ID: key_1\r\n"), std::string::npos);
}

TEST(BuildUpstreamHead, AnthropicGetsApiKeyAndVersion) {
    config::upstream_config cfg;
    cfg.api_key = "sk-ant";
    cfg.format = config::api_format::anthropic;
    auto head =
        build_upstream_head({"POST", "/v1/messages", "r", client_fields, 2, "", ""}, to(), cfg);
    EXPECT_NE(head.find("x-api-key: sk-ant\r\n"), std::string::npos);
    EXPECT_NE(head.find("anthropic-version: 2023-06-01\r\n"), std::string::npos);
    EXPECT_EQ(head.find("Authorization"), std::string::npos);

    auto fields = client_fields;
    fields.push_back({"anthropic-version", "2024-01-01"});
    head = build_upstream_head({"POST", "/v1/messages", "r", fields, 2, "", ""}, to(), cfg);
    EXPECT_NE(head.find("anthropic-version: 2024-01-01\r\n"), std::string::npos);
    EXPECT_EQ(head.find("2023-06-01"), std::string::npos);
}

TEST(BuildClientHead, FramingAndHopByHop) {
    const std::vector<header_view> fields = {{"Content-Type", "text/event-stream"},
                                             {"Transfer-Encoding", "chunked"},
                                             {"Connection", "keep-alive"},
                                             {"X-Request-ID", "upstream-id"},
                                             {"openai-processing-ms", "12"}};
    auto head = build_client_head({200, fields, "rid", body_mode::chunked, 0, true});
    EXPECT_EQ(head,
              "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nopenai-processing-ms: 12\r\n"
              "X-Request-ID: rid\r\nTransfer-Encoding: chunked\r\n\r\n");
    head = build_client_head({404, {}, "rid", body_mode::content_length, 7, false});
    EXPECT_EQ(head,
              "HTTP/1.1 404 Not Found\r\nX-Request-ID: rid\r\nContent-Length: 7\r\nConnection: "
              "close\r\n\r\n");
}

TEST(RequestId, AcceptsPrintableUpTo128) {
    EXPECT_TRUE(is_valid_request_id("abc-123_XYZ"));
    EXPECT_FALSE(is_valid_request_id(""));
    EXPECT_FALSE(is_valid_request_id("has space"));
    EXPECT_FALSE(is_valid_request_id("new\r\nline"));
    EXPECT_FALSE(is_valid_request_id(std::string(129, 'a')));
}

}  // namespace
}  // namespace tollgate::proxy

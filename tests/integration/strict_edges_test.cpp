// The edges a proxy in front (or behind) could read differently: header names with
// underscores, Host, and competing credentials. The real binary against the real mock.
#include "harness.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

using json = nlohmann::json;

const std::string chat = R"({"model":"gpt-4o-mini","messages":[],"max_tokens":2})";

TEST(StrictEdges, UnderscoredHeaderNamesNeverReachTheUpstreamByDefault) {
    stack s;
    auto r = request(s.gateway_port(),
                     "POST",
                     "/v1/chat/completions",
                     chat,
                     {"X-Consumer_ID: evil", "X_Forwarded_For: 1.2.3.4", "X-Kept: yes"});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    const auto seen = json::parse(s.mock_stats())["last_headers"];
    EXPECT_FALSE(seen.contains("X-Consumer_ID")) << seen;
    EXPECT_FALSE(seen.contains("X_Forwarded_For")) << seen;
    EXPECT_EQ(seen["X-Kept"], "yes") << seen;
}

TEST(StrictEdges, UnderscoredHeaderNamesCanBeRefused) {
    stack s("  limits: { headers_with_underscores: reject }\n");
    auto r =
        request(s.gateway_port(), "POST", "/v1/chat/completions", chat, {"X-Consumer_ID: evil"});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(r->body.find("underscores"), std::string::npos) << r->body;
}

TEST(StrictEdges, AnHttp11RequestNeedsExactlyOneHost) {
    stack s;
    for (const std::string& head :
         {"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: " + std::to_string(chat.size()) +
              "\r\n\r\n",
          "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: " +
              std::to_string(chat.size()) + "\r\n\r\n"}) {
        connection c(s.gateway_port());
        c.send(head + chat);
        auto r = read_response(c);
        ASSERT_TRUE(r) << head;
        EXPECT_EQ(r->status, 400) << head;
        EXPECT_NE(r->body.find("Host"), std::string::npos) << r->body;
    }
    connection old(s.gateway_port());  // HTTP/1.0 may omit it
    old.send("POST /v1/chat/completions HTTP/1.0\r\nContent-Length: " +
             std::to_string(chat.size()) + "\r\n\r\n" + chat);
    auto r = read_response(old);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

TEST(StrictEdges, ConflictingCredentialsAre401) {
    stack s("", "", "", "");  // auth on
    s.admin("POST", "/v1/consumers", R"({"id":"cc"})");
    const std::string key =
        json::parse(s.admin("POST", "/v1/consumers/cc/keys", "{}")->body)["key"];
    const std::string other =
        json::parse(s.admin("POST", "/v1/consumers/cc/keys", "{}")->body)["key"];
    const auto call = [&](const std::vector<std::string>& headers) {
        auto r = request(s.gateway_port(), "POST", "/v1/chat/completions", chat, headers);
        return r ? r->status : -1;
    };
    EXPECT_EQ(call({"Authorization: Bearer " + key}), 200);
    EXPECT_EQ(call({"Authorization: Bearer " + key, "x-api-key: " + key}), 200);  // the same
    EXPECT_EQ(call({"Authorization: Bearer " + key, "x-api-key: " + other}), 401);
    EXPECT_EQ(call({"Authorization: Bearer " + key, "Authorization: Bearer " + other}), 401);
}

}  // namespace
}  // namespace tollgate::testing

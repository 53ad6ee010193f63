// Edge authentication end to end: the real gateway with auth on, keys minted through its
// Admin API, requests through it to the mock backend.
#include "harness.hpp"
#include "tollgate/auth/api_key.hpp"
#include "tollgate/core/rfc3339.hpp"

#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

using json = nlohmann::json;

const std::string chat = R"({"model":"gpt-4o-mini","messages":[],"max_tokens":2})";

class Auth : public ::testing::Test {
protected:
    static void SetUpTestSuite() { stack_ = new stack("", "", "", ""); }
    static void TearDownTestSuite() {
        delete stack_;
        stack_ = nullptr;
    }

    // A consumer (created if new) and a freshly minted key for it; the mint answer.
    static json mint(const std::string& consumer, const std::string& key_body = "{}") {
        stack_->admin("POST", "/v1/consumers", R"({"id":")" + consumer + "\"}");
        auto r = stack_->admin("POST", "/v1/consumers/" + consumer + "/keys", key_body);
        EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
        return r ? json::parse(r->body) : json();
    }

    static response chat_with(const std::vector<std::string>& headers,
                              const std::string& body = chat) {
        auto r = request(stack_->gateway_port(), "POST", "/v1/chat/completions", body, headers);
        EXPECT_TRUE(r);
        return r ? *r : response{};
    }

    static response chat_as(const std::string& key, const std::string& body = chat) {
        return chat_with({"Authorization: Bearer " + key}, body);
    }

    static std::string code(const response& r) {
        const auto j = json::parse(r.body, nullptr, false);
        return j.is_object() && j.contains("error") ? j["error"]["code"].get<std::string>() : "";
    }

    // Polls until `status` comes back (invalidations are asynchronous); the last answer.
    static response await_status(const std::string& key, int status) {
        response r;
        for (int i = 0; i < 100; ++i) {
            r = chat_as(key);
            if (r.status == status) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return r;
    }

    static stack* stack_;
};
stack* Auth::stack_ = nullptr;

TEST_F(Auth, MissingMalformedForgedAndUnknownKeysAre401) {
    std::string forged = auth::mint_key().secret;
    forged.back() = forged.back() == 'a' ? 'b' : 'a';  // the checksum no longer matches
    for (const auto& headers : std::vector<std::vector<std::string>>{
             {},
             {"Authorization: Bearer "},
             {"Authorization: Bearer sk-not-ours"},
             {"Authorization: Basic dGc6eA=="},
             {"Authorization: Bearer " + forged},
             {"Authorization: Bearer " + auth::mint_key().secret},  // well-formed, unknown
             {"x-api-key: " + auth::mint_key().secret}}) {
        auto r = chat_with(headers);
        EXPECT_EQ(r.status, 401) << (headers.empty() ? "" : headers[0]);
        EXPECT_EQ(code(r), "invalid_api_key");
        const auto j = json::parse(r.body);
        EXPECT_EQ(j["error"]["type"], "invalid_request_error");
    }
}

TEST_F(Auth, AValidKeyPassesAndTheUpstreamLearnsWhoCalled) {
    const auto m = mint("acme");
    const std::string key = m["key"];
    for (const auto& header : {"Authorization: Bearer " + key, "x-api-key: " + key}) {
        auto r = chat_with({header, "X-Consumer-ID: forged", "X-Key-ID: forged"});
        ASSERT_EQ(r.status, 200) << r.body;
        const auto seen = json::parse(stack_->mock_stats())["last_headers"];
        const std::string dump = seen.dump();
        EXPECT_NE(dump.find("\"acme\""), std::string::npos) << dump;
        EXPECT_NE(dump.find(m["id"].get<std::string>()), std::string::npos) << dump;
        EXPECT_EQ(dump.find("forged"), std::string::npos) << dump;
        EXPECT_EQ(dump.find(key), std::string::npos) << "the client's key never reaches upstream";
    }
}

TEST_F(Auth, RevokedKeysAreRefused) {
    const auto m = mint("revoke-me");
    ASSERT_EQ(chat_as(m["key"]).status, 200);
    ASSERT_EQ(stack_->admin("DELETE", "/v1/keys/" + m["id"].get<std::string>())->status, 204);
    EXPECT_EQ(await_status(m["key"], 401).status, 401);
}

TEST_F(Auth, ExpiredKeysAreRefused) {
    const auto m = mint("expiring", R"({"expires_at":")" + format_rfc3339(unix_now() + 2) + "\"}");
    ASSERT_EQ(chat_as(m["key"]).status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    EXPECT_EQ(await_status(m["key"], 401).status, 401);
}

TEST_F(Auth, ModelAllowlistIs403AndShapesTheModelList) {
    const auto m = mint("narrow", R"({"models":["gpt-4o*"]})");
    EXPECT_EQ(chat_as(m["key"]).status, 200);
    auto denied = chat_as(m["key"], R"({"model":"gpt-3.5-turbo","messages":[]})");
    EXPECT_EQ(denied.status, 403);
    EXPECT_EQ(code(denied), "model_not_allowed");
    auto models = request(stack_->gateway_port(),
                          "GET",
                          "/v1/models",
                          "",
                          {"Authorization: Bearer " + m["key"].get<std::string>()});
    ASSERT_TRUE(models);
    EXPECT_EQ(models->status, 200);
    EXPECT_EQ(request(stack_->gateway_port(), "GET", "/v1/models", "")->status, 401);
}

TEST_F(Auth, DisabledAndDeletedConsumersLoseTheirKeys) {
    const auto m = mint("on-off");
    ASSERT_EQ(chat_as(m["key"]).status, 200);
    stack_->admin("PATCH", "/v1/consumers/on-off", R"({"disabled":true})");
    auto off = await_status(m["key"], 403);
    EXPECT_EQ(off.status, 403);
    EXPECT_EQ(code(off), "consumer_disabled");
    stack_->admin("PATCH", "/v1/consumers/on-off", R"({"disabled":false})");
    EXPECT_EQ(await_status(m["key"], 200).status, 200);
    stack_->admin("DELETE", "/v1/consumers/on-off");
    EXPECT_EQ(await_status(m["key"], 401).status, 401);
}

TEST_F(Auth, RotationGraceKeepsTheOldKeyThenEndsIt) {
    const auto m = mint("rotor");
    ASSERT_EQ(chat_as(m["key"]).status, 200);
    auto rotated = stack_->admin(
        "POST", "/v1/keys/" + m["id"].get<std::string>() + "/rotate", R"({"grace_seconds":2})");
    ASSERT_EQ(rotated->status, 201);
    const std::string next = json::parse(rotated->body)["key"];
    EXPECT_EQ(chat_as(next).status, 200);
    EXPECT_EQ(chat_as(m["key"]).status, 200) << "still within the grace";
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    EXPECT_EQ(await_status(m["key"], 401).status, 401);
    EXPECT_EQ(chat_as(next).status, 200);
}

TEST_F(Auth, LogsShowOnlyTheKeyPrefix) {
    const auto m = mint("logged");
    const std::string key = m["key"];
    ASSERT_EQ(chat_as(key).status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // access lines are batched
    const auto log = stack_->gateway().log();
    EXPECT_EQ(log.find(key), std::string::npos);
    EXPECT_NE(log.find("key=" + m["prefix"].get<std::string>()), std::string::npos) << log;
    EXPECT_NE(log.find("consumer=logged"), std::string::npos);
}

TEST_F(Auth, TheMemoryJournalKeepsKeysAcrossARestart) {
    const std::string dir = make_temp_dir();
    stack s("", "", "", "store: { kind: memory, path: " + dir + "/journal }\n");
    s.admin("POST", "/v1/consumers", R"({"id":"durable"})");
    const auto minted = json::parse(s.admin("POST", "/v1/consumers/durable/keys", "{}")->body);
    const std::string key = minted["key"];
    auto before = request(
        s.gateway_port(), "POST", "/v1/chat/completions", chat, {"Authorization: Bearer " + key});
    ASSERT_EQ(before->status, 200);
    s.restart_gateway();
    auto after = request(
        s.gateway_port(), "POST", "/v1/chat/completions", chat, {"Authorization: Bearer " + key});
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 200) << after->body;
    EXPECT_EQ(s.admin("GET", "/v1/consumers/durable")->status, 200);
}

}  // namespace
}  // namespace tollgate::testing

namespace tollgate::testing {
namespace {

// "Expect: 100-continue" is answered 100 only once the key is good: a refused client hears
// its 401 before uploading the body, and the body is never read.
TEST(AuthContinue, OnlyAGoodKeyHearsContinue) {
    stack s("", "", "", "");
    s.admin("POST", "/v1/consumers", R"({"id":"acme"})");
    const auto key = json::parse(s.admin("POST", "/v1/consumers/acme/keys", "{}")->body)["key"]
                         .get<std::string>();
    const std::string body = R"({"model":"gpt-4o-mini","messages":[],"max_tokens":2})";
    const auto head = [&](const std::string& auth) {
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + auth +
               "Expect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) +
               "\r\n\r\n";
    };

    connection bad(s.gateway_port());
    bad.send(head("Authorization: Bearer " + auth::mint_key().secret + "\r\n"));
    auto refused = read_response(bad);  // without sending the body
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 401);
    EXPECT_EQ(refused->headers["connection"], "close");
    EXPECT_TRUE(bad.closed_by_peer());

    connection good(s.gateway_port());
    good.send(head("Authorization: Bearer " + key + "\r\n"));
    EXPECT_EQ(good.read_some().substr(0, 25), "HTTP/1.1 100 Continue\r\n\r\n");
    good.send(body);
    auto served = read_response(good);
    ASSERT_TRUE(served);
    EXPECT_EQ(served->status, 200);
}

}  // namespace
}  // namespace tollgate::testing

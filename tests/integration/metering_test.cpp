// Metering end to end on the real binary (memory store): reserve before forwarding, 429
// without contacting the upstream, the completion limit clamped, usage settled to what the
// mock reported, x-ratelimit-* headers.
#include "harness.hpp"

#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

using json = nlohmann::json;

const std::string plans = R"(plans:
  small: { limits: [ { window: day, tokens: 400 }, { window: minute, requests: 50 } ] }
default_plan: small
)";

class Metering : public ::testing::Test {
protected:
    void SetUp() override {
        s_.emplace("", "", "", plans);
        s_->admin("POST", "/v1/consumers", R"({"id":"m"})");
        key_ = json::parse(s_->admin("POST", "/v1/consumers/m/keys", "{}")->body)["key"];
    }
    response chat(const std::string& body) {
        auto r = request(s_->gateway_port(),
                         "POST",
                         "/v1/chat/completions",
                         body,
                         {"Authorization: Bearer " + key_});
        EXPECT_TRUE(r);
        return r ? *r : response{};
    }
    // The usage once nothing is reserved: settlement follows the relay, so it may trail the
    // client's answer by a moment.
    json usage() {
        json u;
        for (int i = 0; i < 200; ++i) {
            u = json::parse(s_->admin("GET", "/v1/consumers/m/usage")->body);
            bool settled = true;
            for (const auto& w : u["windows"]) {
                settled = settled && w["reserved"] == 0;
            }
            if (settled) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        return u;
    }
    long mock_requests() { return json::parse(s_->mock_stats())["requests"].get<long>(); }

    std::optional<stack> s_;
    std::string key_;
};

TEST_F(Metering, SettlesTheReportedUsageAndSaysWhatIsLeft) {
    auto r = chat(
        R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":10})");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto reported = json::parse(r.body)["usage"];
    EXPECT_EQ(r.header("x-ratelimit-limit-tokens"), "400");
    EXPECT_FALSE(r.header("x-ratelimit-remaining-tokens").empty());
    EXPECT_FALSE(r.header("x-ratelimit-reset-tokens").empty());
    EXPECT_EQ(r.header("x-ratelimit-limit-requests"), "50");
    const auto w = usage()["windows"];
    EXPECT_EQ(w[0]["used"], reported["total_tokens"]);
    EXPECT_EQ(w[0]["reserved"], 0);
    EXPECT_EQ(w[1]["used"], 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // access lines are batched
    EXPECT_NE(
        s_->gateway().log().find(
            "prompt_tokens=" + std::to_string(reported["prompt_tokens"].get<long>()) +
            " completion_tokens=" + std::to_string(reported["completion_tokens"].get<long>())),
        std::string::npos)
        << s_->gateway().log();
    EXPECT_NE(s_->gateway().log().find("token_count=upstream"), std::string::npos)
        << s_->gateway().log();
}

TEST_F(Metering, ARequestThatDoesNotFitIs429AndNeverReachesTheUpstream) {
    const long before = mock_requests();
    // A prompt of 500+ tokens (" hello" is one) cannot fit 400 a day, whatever the completion.
    std::string words;
    for (int i = 0; i < 500; ++i)
        words += " hello";
    auto r = chat(R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":")" + words +
                  R"("}],"max_tokens":5})");
    EXPECT_EQ(r.status, 429);
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "rate_limit_exceeded");
    EXPECT_FALSE(r.header("retry-after").empty());
    EXPECT_EQ(mock_requests(), before);
    EXPECT_EQ(usage()["windows"][0]["reserved"], 0) << "nothing held";
}

TEST_F(Metering, AnOversizedMaxTokensIsClampedNotRefused) {
    auto r = chat(R"({"model":"gpt-4o-mini","messages":[],"max_tokens":5000})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_LE(json::parse(r.body)["usage"]["completion_tokens"].get<long>(), 400);
    // Past 1e9 a limit is not a limit but a mistake (or a probe): refused, naming the field.
    auto absurd =
        chat(R"({"model":"gpt-4o-mini","messages":[],"max_tokens":999999999999999999,"n":1000})");
    EXPECT_EQ(absurd.status, 400) << absurd.body;
    EXPECT_NE(absurd.body.find("max_tokens"), std::string::npos) << absurd.body;
}

TEST_F(Metering, WithoutMaxTokensTheCompletionIsClampedToWhatIsLeft) {
    // 400 a day; this prompt is a few tokens: the rest becomes its max_tokens.
    auto r = chat(R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto reported = json::parse(r.body)["usage"];
    EXPECT_LE(reported["total_tokens"].get<long>(), 400 + 32) << "bounded by the clamp";
    const auto w = usage()["windows"];
    EXPECT_EQ(w[0]["used"], reported["total_tokens"]);
    // Nothing left: the next one is refused.
    auto next = chat(R"({"model":"gpt-4o-mini","messages":[],"max_tokens":300})");
    EXPECT_EQ(next.status, 429);
}

}  // namespace
}  // namespace tollgate::testing

namespace tollgate::testing {
namespace {

// The mock reads max_completion_tokens over max_tokens (as vLLM does) and keeps the last of
// duplicated keys (nlohmann): the gateway must meter the same request the mock reads.
class OneReading : public Metering {};

TEST_F(OneReading, ACompetingLimitCannotCarryAConsumerPastItsQuota) {
    // Before: reserved for max_tokens 5; the mock produced 5,000; the day's 400 ended at 5,008.
    auto r = chat(R"({"model":"gpt-4o-mini","messages":[],"max_completion_tokens":5000,)"
                  R"("max_tokens":5})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_LE(json::parse(r.body)["usage"]["completion_tokens"].get<long>(), 400);
    EXPECT_LE(usage()["windows"][0]["used"].get<long>(), 400);
}

TEST_F(OneReading, DuplicatedOrMalformedMeteredMembersAre400AndNeverForwarded) {
    const long before = mock_requests();
    for (const std::string body : {
             R"({"model":"gpt-4o-mini","messages":[],"max_tokens":5,"max_tokens":5000})",
             R"({"model":"gpt-4o-mini","messages":[],"max_tokens":-1})",
             R"({"model":"gpt-4o-mini","messages":[],"max_tokens":"5"})",
             R"({"model":"gpt-4o-mini","messages":[],"max_tokens":5,"n":0})",
             R"({"model":"gpt-4o-mini","messages":"hi","max_tokens":5})",
             R"({"model":"gpt-4o-mini","messages":[],"max_tokens":5,"stream":"true"})",
         }) {
        auto r = chat(body);
        EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
        EXPECT_NE(r.body.find("invalid_request"), std::string::npos) << r.body;
    }
    EXPECT_EQ(mock_requests(), before);
    EXPECT_EQ(usage()["windows"][1]["used"], 0);
}

TEST_F(OneReading, ANullLimitIsReplacedNotLeftBesideTheClamp) {
    auto r = chat(R"({"model":"gpt-4o-mini","messages":[],"max_tokens":null})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_LE(usage()["windows"][0]["used"].get<long>(), 400);
}

}  // namespace
}  // namespace tollgate::testing

namespace tollgate::testing {
namespace {

// A prompt past tokenizer.offload_bytes is counted on the count pool: the same count (so the
// same reservation, seen in x-ratelimit-remaining-tokens) as when it is counted inline.
TEST(MeteringOffload, ALargePromptIsCountedOffTheIoThreadToTheSameCount) {
    std::string words;
    for (int i = 0; words.size() < 200 * 1024; ++i) {
        words += "word" + std::to_string(i * 7919 % 100003) + (i % 13 == 0 ? ". " : " ");
    }
    const std::string body = R"({"model":"gpt-4o-mini","max_tokens":10,"messages":[)"
                             R"({"role":"user","content":")" +
                             words + R"("}]})";
    std::string remaining[2];
    for (const int offload : {0, 1}) {
        const std::string top = std::string("log: { level: debug }\ntokenizer: { offload_bytes: ") +
                                (offload ? "64KiB" : "0") +
                                " }\nplans:\n  big: { limits: [ { window: day, tokens: "
                                "100000000 } ] }\ndefault_plan: big\n";
        stack s("", "", "", top);
        s.admin("POST", "/v1/consumers", R"({"id":"m"})");
        const std::string key =
            json::parse(s.admin("POST", "/v1/consumers/m/keys", "{}")->body)["key"];
        auto r = request(s.gateway_port(),
                         "POST",
                         "/v1/chat/completions",
                         body,
                         {"Authorization: Bearer " + key});
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200) << r->body;
        remaining[offload] = r->header("x-ratelimit-remaining-tokens");
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        EXPECT_EQ(s.gateway().log().find("counted off the io thread") != std::string::npos,
                  offload == 1)
            << s.gateway().log();
    }
    EXPECT_EQ(remaining[0], remaining[1]);
    // Not the bytes / 4 estimate: a real count of ~200 KiB of words.
    EXPECT_LT(std::stol(remaining[1]), 100000000 - 30000);
}

}  // namespace
}  // namespace tollgate::testing

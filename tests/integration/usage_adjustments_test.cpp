// POST /v1/consumers/{id}/usage/adjustments on the real binary, on the memory store and on a
// real redis-server: a credit takes usage off (never below 0), a charge adds to it, each id
// applies once, bad bodies are 400 naming the field.
#include "harness.hpp"

#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

using json = nlohmann::json;

const std::string plans = R"(plans:
  p: { limits: [ { window: day, tokens: 1000 }, { window: day, cost_usd: 5 },
                 { window: day, requests: 10, models: ["claude-*"] } ] }
default_plan: p
)";

class UsageAdjustments : public ::testing::TestWithParam<bool> {
protected:
    void SetUp() override {
        std::string top = plans;
        if (GetParam()) {
            redis_.emplace();
            top += "store: { kind: redis, url: \"" + redis_->url(3) + "\" }\n";
        }
        s_.emplace("", "", "", top);
        s_->admin("POST", "/v1/consumers", R"({"id":"a"})");
        key_ = json::parse(s_->admin("POST", "/v1/consumers/a/keys", "{}")->body)["key"];
    }
    json windows() {
        return json::parse(s_->admin("GET", "/v1/consumers/a/usage")->body)["windows"];
    }
    std::optional<response> adjust(const std::string& body) {
        return s_->admin("POST", "/v1/consumers/a/usage/adjustments", body);
    }
    std::optional<redis_server> redis_;
    std::optional<stack> s_;
    std::string key_;
};

TEST_P(UsageAdjustments, ACreditTakesUsageOffOncePerId) {
    auto r = request(
        s_->gateway_port(),
        "POST",
        "/v1/chat/completions",
        R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"max_tokens":10})",
        {"Authorization: Bearer " + key_});
    ASSERT_TRUE(r && r->status == 200);
    long used = 0;
    for (int i = 0; i < 100 && (used == 0 || windows()[0]["reserved"] != 0); ++i) {
        used = windows()[0]["used"].get<long>();
        std::this_thread::sleep_for(std::chrono::milliseconds(30));  // Redis: the lease settles
    }
    ASSERT_GT(used, 5);

    const std::string credit = R"({"id":"refund-1","prompt_tokens":-5,"reason":"bad answer"})";
    auto first = adjust(credit);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->status, 201) << first->body;
    EXPECT_EQ(json::parse(first->body)["applied"], true);
    EXPECT_EQ(windows()[0]["used"].get<long>(), used - 5);
    auto again = adjust(credit);  // the client retried: nothing changes
    EXPECT_EQ(again->status, 200) << again->body;
    EXPECT_EQ(json::parse(again->body)["applied"], false);
    EXPECT_EQ(windows()[0]["used"].get<long>(), used - 5);

    // Never below nothing; money and tokens alike; a charge adds.
    EXPECT_EQ(adjust(R"({"id":"refund-2","completion_tokens":-100000,"cost_usd":-10})")->status,
              201);
    EXPECT_EQ(windows()[0]["used"].get<long>(), 0);
    EXPECT_EQ(windows()[1]["used"].get<double>(), 0);
    EXPECT_EQ(adjust(R"({"id":"charge-1","completion_tokens":40,"cost_usd":0.25})")->status, 201);
    EXPECT_EQ(windows()[0]["used"].get<long>(), 40);
    EXPECT_DOUBLE_EQ(windows()[1]["used"].get<double>(), 0.25);
    // A model narrows it to the limits that apply to that model.
    EXPECT_EQ(adjust(R"({"id":"claude-1","requests":3,"model":"claude-3-haiku"})")->status, 201);
    EXPECT_EQ(windows()[2]["used"].get<long>(), 3);
    EXPECT_NE(s_->gateway().log().find("admin: usage adjustment refund-1 for consumer a"),
              std::string::npos);
}

TEST_P(UsageAdjustments, BadBodiesAre400NamingTheField) {
    const std::pair<const char*, const char*> cases[] = {
        {R"({"prompt_tokens":-5})", "id"},
        {R"({"id":"x"})", "at least one"},
        {R"({"id":"x","prompt_tokens":1.5})", "prompt_tokens"},
        {R"({"id":"x","prompt_tokens":1e300})", "prompt_tokens"},
        {R"({"id":"x","cost_usd":"1"})", "cost_usd"},
        {R"({"id":"x","requests":1,"at":"yesterday"})", "at"},
        {R"({"id":"x","requests":1,"reason":"a\nb"})", "reason"},
        {R"({"id":"x","requests":1,"model":""})", "model"},
        {R"({"id":"x","requests":1,"bogus":1})", "bogus"},
    };
    for (const auto& [body, field] : cases) {
        auto r = adjust(body);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 400) << body;
        EXPECT_NE(r->body.find(field), std::string::npos) << body << " -> " << r->body;
    }
    EXPECT_EQ(
        s_->admin("POST", "/v1/consumers/nobody/usage/adjustments", R"({"id":"x","requests":1})")
            ->status,
        404);
}

INSTANTIATE_TEST_SUITE_P(Stores,
                         UsageAdjustments,
                         ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "redis" : "memory"; });

}  // namespace
}  // namespace tollgate::testing

// The Admin API end to end on the real binary: every route, every bad input of the issue,
// and that a failed request changes nothing.
#include "harness.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

using json = nlohmann::json;

const std::string plans = R"(plans:
  free: { limits: [ { window: day, tokens: 1000 } ] }
  pro: { limits: [ { window: day, tokens: 100000 } ] }
default_plan: free
)";

class Admin : public ::testing::Test {
protected:
    static void SetUpTestSuite() { stack_ = new stack("", "", "", plans); }
    static void TearDownTestSuite() {
        delete stack_;
        stack_ = nullptr;
    }
    static response admin(std::string_view method,
                          std::string_view path,
                          std::string_view body = "") {
        auto r = stack_->admin(method, path, body);
        EXPECT_TRUE(r) << method << " " << path;
        return r ? *r : response{};
    }
    static json body(const response& r) { return json::parse(r.body, nullptr, false); }
    static std::string code(const response& r) {
        const auto j = body(r);
        return j.is_object() && j.contains("error") ? j["error"]["code"].get<std::string>() : "";
    }
    static stack* stack_;
};
stack* Admin::stack_ = nullptr;

TEST_F(Admin, ProbesNeedNoTokenEverythingElseDoes) {
    for (const char* probe : {"/healthz", "/readyz"}) {  // load balancers send no token
        auto r = request(stack_->admin_port(), "GET", probe, "");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200) << probe;
    }
    for (const auto& headers : std::vector<std::vector<std::string>>{
             {}, {"Authorization: Bearer wrong"}, {"Authorization: test-admin-token"}}) {
        auto r = request(stack_->admin_port(), "GET", "/v1/consumers", "", headers);
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 401);
        EXPECT_EQ(code(*r), "unauthorized");
    }
    EXPECT_EQ(admin("GET", "/readyz").status, 200);
}

TEST_F(Admin, ConsumerLifecycle) {
    auto made = admin("POST",
                      "/v1/consumers",
                      R"({"id":"life","name":"Life","plan":"pro","metadata":{"crm":"42"}})");
    ASSERT_EQ(made.status, 201) << made.body;
    EXPECT_EQ(body(made)["plan"], "pro");
    EXPECT_EQ(body(made)["metadata"]["crm"], "42");
    EXPECT_EQ(admin("POST", "/v1/consumers", R"({"id":"life"})").status, 409);
    auto got = admin("GET", "/v1/consumers/life");
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(body(got), body(made));
    auto patched = admin("PATCH", "/v1/consumers/life", R"({"name":"Renamed","disabled":true})");
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_EQ(body(patched)["name"], "Renamed");
    EXPECT_EQ(body(patched)["plan"], "pro");
    EXPECT_EQ(body(patched)["disabled"], true);
    EXPECT_EQ(admin("DELETE", "/v1/consumers/life").status, 204);
    EXPECT_EQ(admin("GET", "/v1/consumers/life").status, 404);
    EXPECT_EQ(admin("DELETE", "/v1/consumers/life").status, 404);
    EXPECT_EQ(code(admin("PATCH", "/v1/consumers/life", "{}")), "not_found");
}

TEST_F(Admin, GeneratedIdsAndDefaultPlan) {
    auto made = admin("POST", "/v1/consumers", "");
    ASSERT_EQ(made.status, 201);
    EXPECT_TRUE(body(made)["id"].get<std::string>().starts_with("c_"));
    EXPECT_EQ(body(made)["plan"], "free");
}

TEST_F(Admin, ListingIsPaged) {
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(
            admin("POST", "/v1/consumers", R"({"id":"page-)" + std::to_string(i) + "\"}").status,
            201);
    }
    std::vector<std::string> ids;
    std::string cursor;
    for (int guard = 0; guard < 50; ++guard) {
        auto r =
            admin("GET", "/v1/consumers?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
        ASSERT_EQ(r.status, 200);
        const auto j = body(r);
        EXPECT_LE(j["data"].size(), 2u);
        for (const auto& c : j["data"]) {
            ids.push_back(c["id"]);
        }
        if (j["next_cursor"].is_null()) {
            break;
        }
        cursor = j["next_cursor"];
    }
    for (int i = 0; i < 5; ++i) {
        EXPECT_NE(std::find(ids.begin(), ids.end(), "page-" + std::to_string(i)), ids.end());
    }
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    EXPECT_EQ(admin("GET", "/v1/consumers?limit=0").status, 400);
}

TEST_F(Admin, ListingFiltersByPlanDisabledAndMetadataAcrossPages) {
    for (int i = 0; i < 7; ++i) {
        const std::string id = "filt-" + std::to_string(i);
        const std::string plan = i % 2 ? "pro" : "free";
        const std::string disabled = i == 3 ? "true" : "false";
        ASSERT_EQ(admin("POST",
                        "/v1/consumers",
                        R"({"id":")" + id + R"(","plan":")" + plan + R"(","disabled":)" + disabled +
                            R"(,"metadata":{"team":"t)" + std::to_string(i % 3) + R"(","tier":)" +
                            std::to_string(i % 2) + "}}")
                      .status,
                  201);
    }
    // Walks every page of a filtered listing, one at a time.
    const auto walk = [&](const std::string& query) {
        std::vector<std::string> ids;
        std::string cursor;
        for (int guard = 0; guard < 50; ++guard) {
            auto r = admin(
                "GET",
                "/v1/consumers?limit=1&" + query + (cursor.empty() ? "" : "&cursor=" + cursor));
            EXPECT_EQ(r.status, 200) << r.body;
            const auto j = body(r);
            for (const auto& c : j["data"]) {
                if (c["id"].get<std::string>().starts_with("filt-")) {
                    ids.push_back(c["id"]);
                }
            }
            if (j["next_cursor"].is_null()) {
                break;
            }
            cursor = j["next_cursor"];
        }
        return ids;
    };
    using ids = std::vector<std::string>;
    EXPECT_EQ(walk("plan=pro"), (ids{"filt-1", "filt-3", "filt-5"}));
    EXPECT_EQ(walk("plan=pro&disabled=false"), (ids{"filt-1", "filt-5"}));
    EXPECT_EQ(walk("disabled=true"), (ids{"filt-3"}));
    EXPECT_EQ(walk("metadata.team=t0"), (ids{"filt-0", "filt-3", "filt-6"}));
    EXPECT_EQ(walk("metadata.tier=1&metadata.team=t2"), (ids{"filt-5"}));  // a number, as JSON
    EXPECT_EQ(walk("metadata.nothing=x"), ids{});
    EXPECT_EQ(admin("GET", "/v1/consumers?disabled=maybe").status, 400);
    EXPECT_EQ(code(admin("GET", "/v1/consumers?color=red")), "invalid_request");
}

TEST_F(Admin, KeysMintListRevokeRotate) {
    ASSERT_EQ(admin("POST", "/v1/consumers", R"({"id":"keys"})").status, 201);
    auto minted = admin("POST",
                        "/v1/consumers/keys/keys",
                        R"({"name":"ci","expires_at":"2099-01-01T00:00:00Z","models":["gpt-*"]})");
    ASSERT_EQ(minted.status, 201) << minted.body;
    const auto m = body(minted);
    for (const char* field :
         {"id", "key", "prefix", "name", "created_at", "expires_at", "models"}) {
        EXPECT_TRUE(m.contains(field)) << field;
    }
    const std::string key = m["key"];
    EXPECT_TRUE(key.starts_with("tg_"));
    EXPECT_EQ(key.substr(0, m["prefix"].get<std::string>().size()), m["prefix"]);
    auto listed = admin("GET", "/v1/consumers/keys/keys");
    ASSERT_EQ(listed.status, 200);
    EXPECT_EQ(listed.body.find(key), std::string::npos) << "the secret appears only once";
    EXPECT_EQ(listed.body.find("digest"), std::string::npos);
    ASSERT_EQ(body(listed)["data"].size(), 1u);
    // One key by id: what the list shows, never the secret.
    auto one = admin("GET", "/v1/keys/" + m["id"].get<std::string>());
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_EQ(body(one), body(listed)["data"][0]);
    EXPECT_EQ(one.body.find(key), std::string::npos);
    EXPECT_EQ(admin("GET", "/v1/keys/key_nope").status, 404);

    auto rotated = admin(
        "POST", "/v1/keys/" + m["id"].get<std::string>() + "/rotate", R"({"grace_seconds":60})");
    ASSERT_EQ(rotated.status, 201) << rotated.body;
    EXPECT_EQ(body(rotated)["replaces"], m["id"]);
    EXPECT_EQ(body(rotated)["models"], m["models"]);
    EXPECT_NE(body(rotated)["key"], key);
    EXPECT_EQ(body(admin("GET", "/v1/consumers/keys/keys"))["data"].size(), 2u);

    EXPECT_EQ(admin("DELETE", "/v1/keys/" + m["id"].get<std::string>()).status, 204);
    EXPECT_EQ(admin("DELETE", "/v1/keys/" + m["id"].get<std::string>()).status, 404);
    EXPECT_EQ(admin("GET", "/v1/keys/" + m["id"].get<std::string>()).status, 404);
    EXPECT_EQ(admin("POST", "/v1/keys/key_nope/rotate").status, 404);
    EXPECT_EQ(admin("POST", "/v1/consumers/nobody/keys", "{}").status, 404);
    EXPECT_EQ(admin("GET", "/v1/consumers/nobody/keys").status, 404);
}

TEST_F(Admin, BadInputIsA400NamingTheFieldAndChangesNothing) {
    const std::pair<std::string, std::string> cases[] = {
        {R"({"id":"bad","name":)", ""},
        {R"({"id":7})", "id"},
        {R"({"id":")" + std::string(200, 'x') + "\"}", "id"},
        {"{\"id\":\"b\xc3\x28\"}", ""},
        {R"({"id":"bad","plan":"gold"})", "plan"},
        {R"({"id":"bad","limits":[{"window":"day"}]})", "limits[0]"},
        {R"({"id":"bad","disabled":"no"})", "disabled"},
    };
    for (const auto& [b, field] : cases) {
        auto r = admin("POST", "/v1/consumers", b);
        EXPECT_EQ(r.status, 400) << b;
        EXPECT_EQ(code(r), "invalid_request");
        if (!field.empty()) {
            EXPECT_EQ(body(r)["error"]["message"].get<std::string>().rfind(field + ":", 0), 0u)
                << r.body;
        }
    }
    EXPECT_EQ(admin("GET", "/v1/consumers/bad").status, 404) << "nothing half-created";
    ASSERT_EQ(admin("POST", "/v1/consumers", R"({"id":"strict"})").status, 201);
    EXPECT_EQ(admin("PATCH", "/v1/consumers/strict", R"({"plan":"gold"})").status, 400);
    EXPECT_EQ(body(admin("GET", "/v1/consumers/strict"))["plan"], "free");
    EXPECT_EQ(admin("POST", "/v1/consumers/strict/keys", R"({"expires_at":"2001-01-01T00:00:00Z"})")
                  .status,
              400);
    EXPECT_EQ(admin("POST", "/v1/consumers/strict/keys", R"({"models":"gpt"})").status, 400);
    EXPECT_EQ(body(admin("GET", "/v1/consumers/strict/keys"))["data"].size(), 0u)
        << "no orphan key";
    EXPECT_EQ(admin("GET", "/v1/consumers/has%20space").status, 400);
    EXPECT_EQ(admin("GET", "/v1/consumers/" + std::string(129, 'a')).status, 400);
}

TEST_F(Admin, OversizedBodiesAndUnknownRoutes) {
    auto big = admin("POST", "/v1/consumers", R"({"name":")" + std::string(2 << 20, 'a') + "\"}");
    EXPECT_EQ(big.status, 413);
    EXPECT_EQ(admin("GET", "/v1/nothing").status, 404);
    const auto put = admin("PUT", "/v1/consumers/x");
    EXPECT_EQ(put.status, 405);
    EXPECT_EQ(put.header("allow"), "GET, PATCH, DELETE");
    EXPECT_EQ(admin("GET", "/v1/metrics").status, 404);
    EXPECT_EQ(admin("GET", "/metrics").status, 200);
    EXPECT_EQ(admin("PATCH", "/v1/keys/k").header("allow"), "GET, DELETE");
}

TEST_F(Admin, UsageShowsEveryWindowOfThePlanOrTheConsumersOwnLimits) {
    ASSERT_EQ(admin("POST", "/v1/consumers", R"({"id":"metered"})").status, 201);
    auto u = admin("GET", "/v1/consumers/metered/usage");
    ASSERT_EQ(u.status, 200) << u.body;
    const auto j = body(u);
    EXPECT_EQ(j["consumer"], "metered");
    ASSERT_EQ(j["windows"].size(), 1u);  // plan free: 1000 tokens a day
    const auto& w = j["windows"][0];
    EXPECT_EQ(w["window"], "day");
    EXPECT_EQ(w["metric"], "tokens");
    EXPECT_EQ(w["limit"], 1000);
    EXPECT_EQ(w["used"], 0);
    EXPECT_EQ(w["reserved"], 0);
    EXPECT_EQ(w["remaining"], 1000);
    EXPECT_TRUE(w["resets_at"].get<std::string>().ends_with("T00:00:00Z"));

    ASSERT_EQ(admin("PATCH",
                    "/v1/consumers/metered",
                    R"({"limits":[{"window":"month","cost_usd":2.5,"models":["gpt-*"]}]})")
                  .status,
              200);
    const auto own = body(admin("GET", "/v1/consumers/metered/usage"));
    ASSERT_EQ(own["windows"].size(), 1u);
    EXPECT_EQ(own["windows"][0]["metric"], "cost_usd");
    EXPECT_DOUBLE_EQ(own["windows"][0]["limit"].get<double>(), 2.5);
    EXPECT_EQ(own["windows"][0]["models"], json::array({"gpt-*"}));
    EXPECT_EQ(admin("GET", "/v1/consumers/nobody/usage").status, 404);
}

// admin.open_probes: false puts the probes behind the token too.
TEST(AdminProbes, ClosedByConfigTheyNeedTheToken) {
    stack s("", "", "", "auth: { enabled: false }\n", false);
    // The config is rewritten with the real ports; switch the probes off and restart.
    int code = 0;
    std::string text = run_output("cat " + s.config_path(), code);
    const std::string token_line = std::string("  token: ") + stack::admin_token + "\n";
    text.replace(text.find(token_line), token_line.size(), token_line + "  open_probes: false\n");
    write_file(s.config_path(), text);
    s.restart_gateway();
    for (const char* probe : {"/healthz", "/readyz"}) {
        auto r = request(s.admin_port(), "GET", probe, "");
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 401) << probe;
        EXPECT_EQ(s.admin("GET", probe)->status, 200) << probe;
    }
}

}  // namespace
}  // namespace tollgate::testing

namespace tollgate::testing {
namespace {

// A body nested 100,000 deep once overflowed the stack and took the proxy down with it.
TEST(AdminHostile, ADeeplyNestedBodyIsA400AndTheGatewayKeepsServing) {
    stack s;
    const std::string deep = R"({"id":"deep","metadata":{"a":)" + std::string(100'000, '[') +
                             std::string(100'000, ']') + "}}";
    ASSERT_EQ(s.admin("POST", "/v1/consumers", R"({"id":"deep"})")->status, 201);
    for (const auto& [method, path] :
         {std::pair{"POST", "/v1/consumers"}, std::pair{"PATCH", "/v1/consumers/deep"}}) {
        auto r = s.admin(method, path, deep);
        ASSERT_TRUE(r) << method;
        EXPECT_EQ(r->status, 400) << method << " " << r->body;
        EXPECT_NE(r->body.find("deeper than 32"), std::string::npos) << r->body;
    }
    auto proxied = request(s.gateway_port(),
                           "POST",
                           "/v1/chat/completions",
                           R"({"model":"gpt-4o-mini","messages":[],"max_tokens":2})");
    ASSERT_TRUE(proxied);
    EXPECT_EQ(proxied->status, 200);
}

}  // namespace
}  // namespace tollgate::testing

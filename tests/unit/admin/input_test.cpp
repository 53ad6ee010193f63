#include "tollgate/admin/input.hpp"

#include <gtest/gtest.h>

namespace tollgate::admin {
namespace {

constexpr std::int64_t now = 1795514400;  // 2026-11-24T10:00:00Z

config::config cfg_with_plans() {
    config::config c;
    c.plans["free"] = {};
    c.plans["pro"] = {};
    c.default_plan = "free";
    return c;
}

template <class T>
std::string field_of(const std::variant<T, bad_input>& v) {
    return std::holds_alternative<bad_input>(v) ? std::get<bad_input>(v).field : "(accepted)";
}

TEST(AdminInput, NewConsumerTakesDefaultsAndGeneratesAnId) {
    auto v = parse_new_consumer("", cfg_with_plans(), now);
    ASSERT_TRUE(std::holds_alternative<store::consumer>(v));
    const auto& c = std::get<store::consumer>(v);
    EXPECT_TRUE(c.id.starts_with("c_"));
    EXPECT_TRUE(is_valid_id(c.id));
    EXPECT_EQ(c.plan, "free");
    EXPECT_EQ(c.created_at, now);
    EXPECT_TRUE(c.limits.is_null());
}

TEST(AdminInput, NewConsumerNamesTheBadField) {
    const auto cfg = cfg_with_plans();
    const std::pair<const char*, const char*> cases[] = {
        {R"({"id": 5})", "id"},
        {R"({"id": ""})", "id"},
        {R"({"id": "has space"})", "id"},
        {R"({"id": "é"})", "id"},
        {R"({"name": 3})", "name"},
        {R"({"plan": "gold"})", "plan"},
        {R"({"limits": 5})", "limits"},
        {R"({"limits": [{"window": "year", "tokens": 1}]})", "limits[0].window"},
        {R"({"limits": [{"window": "day"}]})", "limits[0]"},
        {R"({"limits": [{"window": "day", "tokens": -1}]})", "limits[0].tokens"},
        {R"({"limits": [{"window": "day", "tokens": 1, "colour": 2}]})", "limits[0].colour"},
        {R"({"metadata": []})", "metadata"},
        {R"({"disabled": "yes"})", "disabled"},
        {R"({"surprise": 1})", "surprise"},
        {R"([1])", ""},
        {"{\"name\": \"\xff\"}", ""},  // not UTF-8
        {R"({"name": )", ""},
    };
    for (const auto& [body, field] : cases) {
        EXPECT_EQ(field_of(parse_new_consumer(body, cfg, now)), field) << body;
    }
    EXPECT_EQ(field_of(parse_new_consumer(R"({"id": ")" + std::string(129, 'a') + "\"}", cfg, now)),
              "id");
    EXPECT_EQ(
        field_of(parse_new_consumer(R"({"name": ")" + std::string(257, 'a') + "\"}", cfg, now)),
        "name");
}

// 100,000 levels (200 KB, under admin.max_body_bytes) once overflowed the stack in the DOM.
TEST(AdminInput, DeeplyNestedBodiesAreRefusedBeforeAnyDomIsBuilt) {
    const std::string deep =
        R"({"metadata": {"a": )" + std::string(100'000, '[') + std::string(100'000, ']') + "}}";
    const auto created = parse_new_consumer(deep, cfg_with_plans(), now);
    ASSERT_TRUE(std::holds_alternative<bad_input>(created));
    EXPECT_NE(std::get<bad_input>(created).message.find("deeper than 32"), std::string::npos);
    EXPECT_TRUE(std::holds_alternative<bad_input>(apply_consumer_patch(
        deep,
        std::get<store::consumer>(parse_new_consumer("", cfg_with_plans(), now)),
        cfg_with_plans(),
        now)));
    EXPECT_TRUE(std::holds_alternative<bad_input>(parse_key_request(deep, now)));
    // 30 levels of metadata are fine.
    const std::string ok =
        R"({"metadata": {"a": )" + std::string(29, '[') + std::string(29, ']') + "}}";
    EXPECT_TRUE(
        std::holds_alternative<store::consumer>(parse_new_consumer(ok, cfg_with_plans(), now)));
}

TEST(AdminInput, PatchChangesOnlyWhatItNames) {
    store::consumer c;
    c.id = "acme";
    c.name = "Acme";
    c.plan = "free";
    auto v = apply_consumer_patch(R"({"plan":"pro","disabled":true})", c, cfg_with_plans(), now);
    ASSERT_TRUE(std::holds_alternative<store::consumer>(v));
    const auto& p = std::get<store::consumer>(v);
    EXPECT_EQ(p.name, "Acme");
    EXPECT_EQ(p.plan, "pro");
    EXPECT_TRUE(p.disabled);
    EXPECT_EQ(p.updated_at, now);
    EXPECT_EQ(field_of(apply_consumer_patch(R"({"id":"x"})", c, cfg_with_plans(), now)), "id");
}

TEST(AdminInput, KeyRequests) {
    auto ok = parse_key_request(
        R"({"name":"ci","expires_at":"2027-01-01T00:00:00Z","models":["gpt-*"]})", now);
    ASSERT_TRUE(std::holds_alternative<key_request>(ok));
    EXPECT_EQ(std::get<key_request>(ok).models, std::vector<std::string>{"gpt-*"});
    EXPECT_TRUE(std::holds_alternative<key_request>(parse_key_request("", now)));
    EXPECT_EQ(field_of(parse_key_request(R"({"expires_at":"2020-01-01T00:00:00Z"})", now)),
              "expires_at");
    EXPECT_EQ(field_of(parse_key_request(R"({"expires_at":"soon"})", now)), "expires_at");
    EXPECT_EQ(field_of(parse_key_request(R"({"models":"gpt-*"})", now)), "models");
    EXPECT_EQ(field_of(parse_key_request(R"({"models":[""]})", now)), "models");
}

TEST(AdminInput, RotateAndPaging) {
    EXPECT_EQ(std::get<std::int64_t>(parse_rotate_request("")), default_grace_seconds);
    EXPECT_EQ(std::get<std::int64_t>(parse_rotate_request(R"({"grace_seconds":0})")), 0);
    EXPECT_EQ(field_of(parse_rotate_request(R"({"grace_seconds":-1})")), "grace_seconds");
    EXPECT_EQ(field_of(parse_rotate_request(R"({"grace_seconds":1.5})")), "grace_seconds");
    auto page = std::get<0>(parse_page("/v1/consumers?limit=7&cursor=abc"));
    EXPECT_EQ(page.first, 7u);
    EXPECT_EQ(page.second, "abc");
    EXPECT_EQ(std::get<0>(parse_page("/v1/consumers")).first, default_page);
    EXPECT_EQ(field_of(parse_page("/v1/consumers?limit=0")), "limit");
    EXPECT_EQ(field_of(parse_page("/v1/consumers?limit=5000")), "limit");
    EXPECT_EQ(field_of(parse_page("/v1/consumers?limit=x")), "limit");
    EXPECT_EQ(field_of(parse_page("/v1/consumers?cursor=%20")), "cursor");
}

}  // namespace
}  // namespace tollgate::admin

namespace tollgate::admin {
namespace {

TEST(AdminInput, LimitAmountsAreRangeCheckedAndUnlimitedIsAccepted) {
    const auto cfg = cfg_with_plans();
    for (const char* bad : {R"({"limits":[{"window":"day","tokens":9.3e18}]})",
                            R"({"limits":[{"window":"day","cost_usd":1e7}]})",
                            R"({"limits":[{"window":"day","tokens":"lots"}]})"}) {
        const auto v = parse_new_consumer(bad, cfg, now);
        ASSERT_TRUE(std::holds_alternative<bad_input>(v)) << bad;
        EXPECT_NE(std::get<bad_input>(v).message.find("or unlimited"), std::string::npos);
    }
    const auto ok = parse_new_consumer(
        R"({"limits":[{"window":"day","tokens":"unlimited"},{"window":"day","tokens":1e15}]})",
        cfg,
        now);
    EXPECT_TRUE(std::holds_alternative<store::consumer>(ok));
}

}  // namespace
}  // namespace tollgate::admin

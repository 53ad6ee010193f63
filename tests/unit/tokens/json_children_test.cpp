#include "tollgate/tokens/json_children.hpp"

#include <gtest/gtest.h>

namespace tollgate::tokens {
namespace {

TEST(JsonChildren, WalksAnArrayOneLevelDown) {
    json_children c(R"([ "a\"]", 12, {"x":[1,{"y":"}"}]}, [true], null, -1.5e3 ,false])");
    std::vector<std::pair<json_kind, std::string>> got;
    while (const auto e = c.next())
        got.emplace_back(e->kind, std::string(e->value));
    ASSERT_EQ(got.size(), 7U);
    EXPECT_EQ(got[0].second, R"(a\"])");
    EXPECT_EQ(got[1], std::make_pair(json_kind::number, std::string("12")));
    EXPECT_EQ(got[2], std::make_pair(json_kind::object, std::string(R"({"x":[1,{"y":"}"}]})")));
    EXPECT_EQ(got[3], std::make_pair(json_kind::array, std::string("[true]")));
    EXPECT_EQ(got[4].first, json_kind::null);
    EXPECT_EQ(got[5], std::make_pair(json_kind::number, std::string("-1.5e3")));
    EXPECT_EQ(got[6].first, json_kind::false_value);
}

TEST(JsonChildren, WalksAnObjectsMembers) {
    json_children c(R"({"role" : "user", "content":[{"type":"text"}], "n":2})");
    const auto a = c.next();
    ASSERT_TRUE(a);
    EXPECT_EQ(a->key, "role");
    EXPECT_EQ(a->value, "user");
    const auto b = c.next();
    ASSERT_TRUE(b);
    EXPECT_EQ(b->key, "content");
    EXPECT_EQ(b->kind, json_kind::array);
    const auto n = c.next();
    ASSERT_TRUE(n);
    EXPECT_EQ(n->value, "2");
    EXPECT_FALSE(c.next());
}

TEST(JsonChildren, EmptyAndNonContainers) {
    EXPECT_FALSE(json_children("[]").next());
    EXPECT_FALSE(json_children("{ }").next());
    EXPECT_FALSE(json_children("\"x\"").next());
    EXPECT_FALSE(json_children("").next());
}

TEST(JsonFind, FollowsAKeyPathAndReadsNumbers) {
    const std::string_view obj =
        R"({"usage":{"prompt_tokens":12,"details":{"cached_tokens":3e1}},"usage2":null,"x":[1]})";
    const auto p = json_find(obj, {"usage", "prompt_tokens"});
    ASSERT_TRUE(p);
    EXPECT_EQ(json_number(*p), 12.0);
    EXPECT_EQ(json_number(*json_find(obj, {"usage", "details", "cached_tokens"})), 30.0);
    EXPECT_FALSE(json_find(obj, {"usage", "missing"}));
    EXPECT_FALSE(json_find(obj, {"x", "y"})) << "an array has no keys";
    EXPECT_FALSE(json_number(*json_find(obj, {"usage2"})));
    EXPECT_EQ(json_number(*json_find(R"({"a":1,"a":2})", {"a"})), 2.0) << "the last one wins";
}

TEST(JsonNumber, ReadsIntegersExactlyAndEverythingElseAsBefore) {
    const auto number = [](std::string_view text) {
        return json_number(json_member{"n", json_kind::number, text});
    };
    EXPECT_EQ(number("0"), 0.0);
    EXPECT_EQ(number("-12"), -12.0);
    EXPECT_EQ(number("999999999999999"), 999999999999999.0);  // 15 digits: the integer path
    EXPECT_EQ(number("12345678901234567890"), 12345678901234567890.0);  // the general one
    EXPECT_EQ(number("1.5"), 1.5);
    EXPECT_EQ(number("-2e3"), -2000.0);
    EXPECT_FALSE(number("-"));
    EXPECT_FALSE(number("12a"));
    EXPECT_FALSE(number(""));
}

}  // namespace
}  // namespace tollgate::tokens

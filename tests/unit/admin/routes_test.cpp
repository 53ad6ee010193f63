#include "tollgate/admin/routes.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace tollgate::admin {
namespace {

TEST(AdminRoutes, MatchesEachRouteWithItsParameters) {
    auto m = match("GET", "/v1/consumers/acme/keys?x=1");
    ASSERT_TRUE(m.found);
    EXPECT_EQ(*m.found, route::list_keys);
    EXPECT_EQ(m.params, std::vector<std::string>{"acme"});
    EXPECT_EQ(*match("POST", "/v1/keys/key_1/rotate").found, route::rotate_key);
    EXPECT_EQ(*match("DELETE", "/v1/keys/key_1").found, route::revoke_key);
    EXPECT_EQ(*match("PATCH", "/v1/consumers/a").found, route::update_consumer);
    EXPECT_EQ(*match("GET", "/v1/consumers?limit=2").found, route::list_consumers);
    EXPECT_EQ(*match("GET", "/healthz").found, route::healthz);
}

TEST(AdminRoutes, UnknownPathsAndWrongMethodsAreTold) {
    auto none = match("GET", "/v1/nothing");
    EXPECT_FALSE(none.found);
    EXPECT_FALSE(none.path_known);
    auto wrong = match("PUT", "/v1/consumers/a");
    EXPECT_FALSE(wrong.found);
    EXPECT_TRUE(wrong.path_known);
    EXPECT_FALSE(match("GET", "/v1/consumers/a/keys/extra").found);
}

TEST(AdminRoutes, TableHasEveryRouteOnce) {
    // Every value of the enum (get_key is its last) once, and no method and path twice.
    const auto last = static_cast<int>(route::get_key);
    EXPECT_EQ(route_table().size(), static_cast<std::size_t>(last + 1));
    for (int r = 0; r <= last; ++r) {
        EXPECT_EQ(std::count_if(route_table().begin(),
                                route_table().end(),
                                [&](const route_info& i) { return static_cast<int>(i.id) == r; }),
                  1)
            << r;
    }
    for (const auto& a : route_table()) {
        EXPECT_EQ(std::count_if(route_table().begin(),
                                route_table().end(),
                                [&](const route_info& b) {
                                    return a.method == b.method && a.path == b.path;
                                }),
                  1)
            << a.method << " " << a.path;
    }
}

TEST(AdminRoutes, QueryParametersArePercentDecoded) {
    EXPECT_EQ(query_param("/x?limit=5&cursor=a%3Ab", "cursor"), "a:b");
    EXPECT_EQ(query_param("/x?limit=5&cursor=a%3Ab", "limit"), "5");
    EXPECT_FALSE(query_param("/x?limit=5", "cursor"));
    EXPECT_FALSE(query_param("/x", "limit"));
}

}  // namespace
}  // namespace tollgate::admin

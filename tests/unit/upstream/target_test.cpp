#include "tollgate/upstream/target.hpp"

#include <gtest/gtest.h>

namespace tollgate::upstream {
namespace {

TEST(ParseTarget, SchemesPortsAndPaths) {
    auto a = parse_target("https://api.openai.com");
    ASSERT_TRUE(a);
    EXPECT_TRUE(a->tls);
    EXPECT_EQ(a->host, "api.openai.com");
    EXPECT_EQ(a->port, 443);
    EXPECT_EQ(a->base_path, "");
    EXPECT_EQ(a->host_header, "api.openai.com");

    auto b = parse_target("http://127.0.0.1:9000/openai/");
    ASSERT_TRUE(b);
    EXPECT_FALSE(b->tls);
    EXPECT_EQ(b->port, 9000);
    EXPECT_EQ(b->base_path, "/openai");
    EXPECT_EQ(b->host_header, "127.0.0.1:9000");

    auto c = parse_target("http://[::1]:8000");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->host, "::1");
    EXPECT_EQ(c->port, 8000);
    auto d = parse_target("https://[::1]");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->port, 443);
}

TEST(ParseTarget, RefusesOtherSchemesAndJunk) {
    EXPECT_FALSE(parse_target("ftp://x"));
    EXPECT_FALSE(parse_target("api.openai.com"));
    EXPECT_FALSE(parse_target("http://"));
    EXPECT_FALSE(parse_target("http://user:pw@host"));
    EXPECT_FALSE(parse_target("http://host:99999"));
    EXPECT_FALSE(parse_target("http://::1:80"));
}

}  // namespace
}  // namespace tollgate::upstream

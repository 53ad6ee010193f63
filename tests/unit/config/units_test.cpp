#include "tollgate/config/units.hpp"

#include <gtest/gtest.h>

namespace tollgate::config {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, AcceptsEachUnit) {
    EXPECT_EQ(parse_duration("250ms"), 250ms);
    EXPECT_EQ(parse_duration("30s"), 30s);
    EXPECT_EQ(parse_duration("30"), 30s);
    EXPECT_EQ(parse_duration("5m"), 5min);
    EXPECT_EQ(parse_duration("2h"), 2h);
    EXPECT_EQ(parse_duration("1d"), 24h);
}

TEST(ParseDuration, RefusesGarbage) {
    EXPECT_FALSE(parse_duration(""));
    EXPECT_FALSE(parse_duration("s"));
    EXPECT_FALSE(parse_duration("-1s"));
    EXPECT_FALSE(parse_duration("10 parsecs"));
    EXPECT_FALSE(parse_duration("99999999999999999999d"));
}

TEST(ParseSize, AcceptsBinaryAndDecimalUnits) {
    EXPECT_EQ(parse_size("1024"), 1024u);
    EXPECT_EQ(parse_size("64KiB"), 65536u);
    EXPECT_EQ(parse_size("16MiB"), 16u << 20);
    EXPECT_EQ(parse_size("1GiB"), 1u << 30);
    EXPECT_EQ(parse_size("10kB"), 10000u);
    EXPECT_EQ(parse_size("5MB"), 5000000u);
}

TEST(ParseSize, RefusesGarbageAndOverflow) {
    EXPECT_FALSE(parse_size("MiB"));
    EXPECT_FALSE(parse_size("12 bananas"));
    EXPECT_FALSE(parse_size("99999999999999999999GiB"));
}

TEST(ParseEndpoint, ReadsV4AndBracketedV6) {
    auto a = parse_endpoint("0.0.0.0:8080");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "0.0.0.0");
    EXPECT_EQ(a->port, 8080);
    auto b = parse_endpoint("[::1]:9091");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->host, "::1");
    EXPECT_EQ(b->port, 9091);
    EXPECT_FALSE(parse_endpoint("localhost"));
    EXPECT_FALSE(parse_endpoint("::1:80"));
    EXPECT_FALSE(parse_endpoint("h:70000"));
    EXPECT_FALSE(parse_endpoint(":80"));
}

TEST(ExpandEnv, SubstitutesDefaultsAndEscapes) {
    const env_lookup env = [](const std::string& n) -> std::optional<std::string> {
        if (n == "SET") {
            return "value";
        }
        if (n == "EMPTY") {
            return "";
        }
        return std::nullopt;
    };
    std::string missing;
    EXPECT_EQ(expand_env("a ${SET} b", env, missing), "a value b");
    EXPECT_EQ(expand_env("${UNSET:-fallback}", env, missing), "fallback");
    EXPECT_EQ(expand_env("${EMPTY:-fallback}", env, missing), "fallback");
    EXPECT_EQ(expand_env("${EMPTY}", env, missing), "");
    EXPECT_EQ(expand_env("cost $$5 and $HOME", env, missing), "cost $5 and $HOME");
    EXPECT_FALSE(expand_env("${UNSET}", env, missing));
    EXPECT_EQ(missing, "UNSET");
}

}  // namespace
}  // namespace tollgate::config

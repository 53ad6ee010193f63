#include "tollgate/upstream/keep_alive.hpp"

#include <gtest/gtest.h>

namespace tollgate::upstream {
namespace {

using namespace std::chrono_literals;

TEST(KeepAliveTimeout, ReadsTheTimeoutParameter) {
    EXPECT_EQ(keep_alive_timeout("timeout=5"), 5s);
    EXPECT_EQ(keep_alive_timeout("timeout=5, max=1000"), 5s);
    EXPECT_EQ(keep_alive_timeout("max=1000, Timeout = 72"), 72s);
    EXPECT_EQ(keep_alive_timeout("timeout=\"9\""), 9s);
}

TEST(KeepAliveTimeout, NoneOrMalformedIsNoHint) {
    EXPECT_EQ(keep_alive_timeout(""), std::nullopt);
    EXPECT_EQ(keep_alive_timeout("max=5"), std::nullopt);
    EXPECT_EQ(keep_alive_timeout("timeout=5s"), std::nullopt);
    EXPECT_EQ(keep_alive_timeout("timeout=-1"), std::nullopt);
    EXPECT_EQ(keep_alive_timeout("timeout="), std::nullopt);
    EXPECT_EQ(keep_alive_timeout("timeouts=5"), std::nullopt);
}

TEST(KeepAliveTimeout, AHugeValueIsCapped) {
    EXPECT_EQ(keep_alive_timeout("timeout=99999999999999"), std::chrono::seconds(365 * 24 * 3600));
    EXPECT_EQ(keep_alive_timeout("timeout=99999999999999999999999"), std::nullopt);
}

TEST(IdleLimit, TheConfiguredLimitWithoutAHint) {
    EXPECT_EQ(idle_limit(4s, std::nullopt), 4s);
}

TEST(IdleLimit, AShorterHintWinsWithASecondToSpare) {
    EXPECT_EQ(idle_limit(60s, 5s), 4s);
    EXPECT_EQ(idle_limit(4s, 75s), 4s);
    EXPECT_EQ(idle_limit(60s, 2s), 1s);
}

TEST(IdleLimit, AHintOfASecondOrLessKeepsNothing) {
    EXPECT_EQ(idle_limit(60s, 1s), 0s);
    EXPECT_EQ(idle_limit(60s, 0s), 0s);
}

}  // namespace
}  // namespace tollgate::upstream

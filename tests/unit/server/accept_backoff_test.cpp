#include "tollgate/server/accept_backoff.hpp"

#include <gtest/gtest.h>

namespace tollgate::server {
namespace {

using namespace std::chrono_literals;

TEST(AcceptBackoff, PausesDoubleToASecondAndStartAgainAfterASuccess) {
    accept_backoff b;
    const auto t = accept_backoff::clock::time_point{} + 100s;
    EXPECT_EQ(b.failed(t).pause, 10ms);
    EXPECT_EQ(b.failed(t).pause, 20ms);
    EXPECT_EQ(b.failed(t).pause, 40ms);
    for (int i = 0; i < 10; ++i) {
        b.failed(t);
    }
    EXPECT_EQ(b.failed(t).pause, 1000ms);
    b.succeeded();
    EXPECT_EQ(b.failed(t).pause, 10ms);
}

TEST(AcceptBackoff, LogsOneLineInTenSecondsAndCountsTheRest) {
    accept_backoff b;
    const auto t = accept_backoff::clock::time_point{} + 100s;
    EXPECT_TRUE(b.failed(t).log);
    int logged = 0;
    for (int i = 1; i <= 999; ++i) {
        logged += b.failed(t + std::chrono::milliseconds(i)).log;
    }
    EXPECT_EQ(logged, 0);
    const auto later = b.failed(t + 10s);
    EXPECT_TRUE(later.log);
    EXPECT_EQ(later.hidden, 999u);
}

}  // namespace
}  // namespace tollgate::server

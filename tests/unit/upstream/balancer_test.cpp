#include "tollgate/upstream/balancer.hpp"

#include <map>

#include <gtest/gtest.h>

namespace tollgate::upstream {
namespace {

using namespace std::chrono_literals;
using time_point = balancer::time_point;

const time_point t0 = time_point{} + 1000s;

config::upstream_config settings(config::balance mode = config::balance::round_robin) {
    config::upstream_config c;
    c.balancing = mode;
    c.health = {2, 1s, 4s};
    c.retries.budget = 0.2;
    c.retries.min_per_second = 2;
    return c;
}

TEST(Balancer, SmoothRoundRobinGivesEachItsWeightSpreadOut) {
    balancer b(settings(), {5, 1, 1}, 0);
    std::string order;
    for (int i = 0; i < 7; ++i) {
        order += static_cast<char>('a' + *b.pick(t0));
    }
    EXPECT_EQ(order, "aabacaa");  // nginx's sequence for 5:1:1, not "aaaaabc"
    std::map<std::size_t, int> n;
    for (int i = 0; i < 7000; ++i) {
        ++n[*b.pick(t0)];
    }
    EXPECT_EQ(n[0], 5000);
    EXPECT_EQ(n[1], 1000);
    EXPECT_EQ(n[2], 1000);
}

TEST(Balancer, AnEndpointTriedForThisRequestIsAvoidedWhileAnotherIsLeft) {
    balancer b(settings(), {1, 1}, 0);
    EXPECT_EQ(b.pick(t0, 0b01), 1u);
    EXPECT_EQ(b.pick(t0, 0b10), 0u);
    EXPECT_TRUE(b.pick(t0, 0b11).has_value());  // all tried: any will do
}

TEST(Balancer, FailuresInARowEjectWithADoublingBackoff) {
    balancer b(settings(), {1, 1}, 0);
    b.failed(0, t0);
    EXPECT_FALSE(b.ejected(0, t0));
    b.succeeded(0);  // a success resets the count
    b.failed(0, t0);
    EXPECT_FALSE(b.ejected(0, t0));
    b.failed(0, t0);
    EXPECT_TRUE(b.ejected(0, t0));
    EXPECT_TRUE(b.ejected(0, t0 + 999ms));
    EXPECT_FALSE(b.ejected(0, t0 + 1s));
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(b.pick(t0 + 500ms), 1u);  // ejected: never picked
    }
    // Failing again right after it returned: twice as long, then capped at max_eject_time.
    const time_point back = t0 + 1s;
    b.failed(0, back);
    b.failed(0, back);
    EXPECT_TRUE(b.ejected(0, back + 1999ms));
    EXPECT_FALSE(b.ejected(0, back + 2s));
    const time_point again = back + 2s;
    b.failed(0, again);
    b.failed(0, again);
    EXPECT_FALSE(b.ejected(0, again + 4s));  // 4 s: capped (would be 4 s anyway)
    const time_point more = again + 4s;
    b.failed(0, more);
    b.failed(0, more);
    EXPECT_TRUE(b.ejected(0, more + 3999ms));
    EXPECT_FALSE(b.ejected(0, more + 4s));  // 8 s capped to 4 s
}

TEST(Balancer, WhenAllAreEjectedAllAreCandidatesAgain) {
    balancer b(settings(), {1, 1}, 0);
    for (std::size_t i = 0; i < 2; ++i) {
        b.failed(i, t0);
        b.failed(i, t0);
    }
    EXPECT_TRUE(b.pick(t0).has_value());
}

TEST(Balancer, NoFailuresSettingNeverEjects) {
    auto c = settings();
    c.health.failures = 0;
    balancer b(c, {1}, 0);
    for (int i = 0; i < 100; ++i) {
        b.failed(0, t0);
    }
    EXPECT_FALSE(b.ejected(0, t0));
}

TEST(Balancer, CapsLeaveNoCandidateWhenAllAreFull) {
    balancer b(settings(), {1, 1}, 1);
    auto first = b.pick(t0);
    b.begin(*first);
    auto second = b.pick(t0);
    ASSERT_TRUE(second);
    EXPECT_NE(*first, *second);
    b.begin(*second);
    EXPECT_FALSE(b.pick(t0).has_value());
    b.end(*first);
    EXPECT_EQ(b.pick(t0), first);
}

TEST(Balancer, LeastRequestsTakesTheFewestInFlightPerWeight) {
    balancer b(settings(config::balance::least_requests), {1, 2}, 0);
    b.begin(0);
    EXPECT_EQ(b.pick(t0), 1u);
    b.begin(1);
    b.begin(1);
    // 1 in flight at weight 1 against 2 at weight 2: a tie, taken in turn.
    const auto x = *b.pick(t0);
    const auto y = *b.pick(t0);
    EXPECT_NE(x, y);
    b.begin(1);
    EXPECT_EQ(b.pick(t0), 0u);  // 1/1 < 3/2
}

TEST(Balancer, RetriesSpendABudgetThatRequestsRefill) {
    balancer b(settings(), {1}, 0);
    b.on_request(t0);
    // The floor: min_per_second (2) to start with.
    EXPECT_TRUE(b.take_retry(t0));
    EXPECT_TRUE(b.take_retry(t0));
    EXPECT_FALSE(b.take_retry(t0));
    // Each request adds 0.2: five requests buy one retry.
    for (int i = 0; i < 5; ++i) {
        b.on_request(t0);
    }
    EXPECT_TRUE(b.take_retry(t0));
    EXPECT_FALSE(b.take_retry(t0));
    // And time adds min_per_second.
    EXPECT_TRUE(b.take_retry(t0 + 500ms));
    EXPECT_FALSE(b.take_retry(t0 + 500ms));
}

}  // namespace
}  // namespace tollgate::upstream

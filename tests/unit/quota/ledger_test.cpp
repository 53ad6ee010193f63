#include "tollgate/quota/ledger.hpp"

#include <random>

#include <gtest/gtest.h>

namespace tollgate::quota {
namespace {

constexpr std::int64_t t0 = 1795514400;  // 2026-11-24T10:00:00Z

const std::vector<config::limit> limits{
    {config::window::minute, config::metric::tokens, 1000, {}},
    {config::window::day, config::metric::requests, 3, {}},
    {config::window::day, config::metric::completion_tokens, 500, {"gpt-*"}},
};

TEST(Ledger, LimitIdsAreStableNames) {
    EXPECT_EQ(limit_id(limits[0]), "minute:tokens");
    EXPECT_EQ(limit_id({config::window::day, config::metric::cost_usd, 5, {"gpt-4o*", "o1*"}}),
              "day:cost_usd:gpt-4o*,o1*");
}

TEST(Ledger, ABucketBelongsToAConsumerAndALimitsIdentityNotItsAmount) {
    ledger l;
    const config::limit any{config::window::minute, config::metric::tokens, 1000, {}};
    const config::limit gpt{config::window::minute, config::metric::tokens, 1000, {"gpt-*"}};
    const config::limit hourly{config::window::hour, config::metric::tokens, 1000, {}};
    const config::limit requests{config::window::minute, config::metric::requests, 10, {}};
    const std::vector<config::limit> all{any, gpt, hourly, requests};
    ASSERT_TRUE(l.reserve("a", "r1", all, charge_for(10, 20, {}), "gpt-4o", t0, t0 + 60).fits);
    EXPECT_EQ(l.buckets(), 4u) << "models, window and metric each make a limit of its own";
    EXPECT_EQ(l.state("b", any, t0).reserved, 0) << "another consumer's";
    // A reload that raises the amount keeps the limit (and what it counted); a copy of the
    // limit, as a reload makes, finds it.
    config::limit raised = any;
    raised.amount = 5000;
    EXPECT_EQ(l.state("a", raised, t0).reserved, 30);
    EXPECT_EQ(l.state("a", requests, t0).reserved, 1);
    config::limit other_models = gpt;
    other_models.models = {"gpt-4*"};
    EXPECT_EQ(l.state("a", other_models, t0).reserved, 0) << "a changed filter starts fresh";
    EXPECT_EQ(l.state("a", any, t0 + 60).reserved, 0) << "the next minute's bucket";
}

TEST(Ledger, ReserveIsAllOrNothing) {
    ledger l;
    // Fits the tokens minute (900) but not the gpt completion day (600 > 500): nothing held.
    const auto d = l.reserve("c", "r1", limits, charge_for(300, 600, {}), "gpt-4o", t0, t0 + 60);
    EXPECT_FALSE(d.fits);
    EXPECT_EQ(d.blocking, 2u);
    for (const auto& b : l.states("c", limits, t0)) {
        EXPECT_EQ(b.reserved, 0);
        EXPECT_EQ(b.used, 0);
    }
    EXPECT_EQ(l.reservations(), 0u);
    // The same for a model the completion limit does not count: it fits.
    EXPECT_TRUE(l.reserve("c", "r1", limits, charge_for(300, 600, {}), "claude", t0, t0 + 60).fits);
    EXPECT_EQ(l.state("c", limits[0], t0).reserved, 900);
    EXPECT_EQ(l.state("c", limits[1], t0).reserved, 1);
    EXPECT_EQ(l.state("c", limits[2], t0).reserved, 0);
}

TEST(Ledger, EachOwnerHoldsAndSettlesItsOwnReservationsAgainstSharedBuckets) {
    ledger l;
    const auto second = l.add_owner();
    const std::vector<config::limit> minute{limits[0]};
    ASSERT_TRUE(l.reserve("c", "r1", minute, charge_for(100, 100, {}), "m", t0, t0 + 60).fits);
    ASSERT_TRUE(
        l.reserve("c", "r1", minute, charge_for(300, 100, {}), "m", t0, t0 + 120, second).fits)
        << "ids are unique per owner";
    EXPECT_FALSE(l.reserve("c", "r1", minute, charge_for(1, 1, {}), "m", t0, t0 + 60, second).fits);
    EXPECT_EQ(l.state("c", minute[0], t0), (bucket{0, 600})) << "the buckets are shared";
    EXPECT_EQ(l.reservations(), 2u);
    EXPECT_TRUE(l.settle("c", "r1", charge_for(50, 50, {}), second));
    EXPECT_FALSE(l.settle("c", "r1", charge_for(50, 50, {}), second)) << "once";
    EXPECT_EQ(l.state("c", minute[0], t0), (bucket{100, 200})) << "owner 0's is still held";
    // Another owner's expired reservation is charged in full by whoever calls expire().
    ASSERT_TRUE(
        l.reserve("c", "r2", minute, charge_for(10, 10, {}), "m", t0, t0 + 30, second).fits);
    EXPECT_EQ(l.expire(t0 + 61), 2u) << "owner 0's r1 and the second owner's r2";
    EXPECT_EQ(l.state("c", minute[0], t0), (bucket{320, 0}));
    EXPECT_FALSE(l.settle("c", "r1", charge_for(1, 1, {})));
    EXPECT_EQ(l.reservations(), 0u);
}

// expire() skips every owner until the earliest deadline any of them holds: a reservation
// due sooner than all before it, by any owner, must still lower that bound.
TEST(Ledger, ExpiryNoticesTheEarliestDeadlineOfAnyOwner) {
    ledger l;
    const auto second = l.add_owner();
    const std::vector<config::limit> minute{limits[0]};
    ASSERT_TRUE(l.reserve("c", "late", minute, charge_for(1, 1, {}), "m", t0, t0 + 100).fits);
    EXPECT_EQ(l.expire(t0 + 50), 0u);
    ASSERT_TRUE(
        l.reserve("c", "soon", minute, charge_for(5, 5, {}), "m", t0, t0 + 60, second).fits);
    ASSERT_TRUE(l.reserve("c", "sooner", minute, charge_for(7, 7, {}), "m", t0, t0 + 55).fits);
    EXPECT_EQ(l.expire(t0 + 56), 1u) << "owner 0's 'sooner'";
    EXPECT_EQ(l.expire(t0 + 61), 1u) << "the second owner's 'soon'";
    EXPECT_EQ(l.expire(t0 + 99), 0u);
    EXPECT_TRUE(l.settle("c", "late", charge_for(1, 1, {})));
    EXPECT_EQ(l.state("c", minute[0], t0), (bucket{26, 0}));  // 14 + 10 charged in full, 2
    EXPECT_EQ(l.expire(t0 + 1000), 0u);
}

TEST(Ledger, SettleReplacesTheReservationExactlyOnce) {
    ledger l;
    ASSERT_TRUE(l.reserve("c", "r1", limits, charge_for(100, 400, {}), "gpt-4o", t0, t0 + 60).fits);
    EXPECT_TRUE(l.settle("c", "r1", charge_for(90, 37, {})));
    EXPECT_FALSE(l.settle("c", "r1", charge_for(90, 37, {}))) << "a second settle changes nothing";
    EXPECT_EQ(l.state("c", limits[0], t0), (bucket{127, 0}));
    EXPECT_EQ(l.state("c", limits[1], t0), (bucket{1, 0}));
    EXPECT_EQ(l.state("c", limits[2], t0), (bucket{37, 0}));
    EXPECT_FALSE(l.settle("c", "never-reserved", charge_for(1, 1, {})));
}

TEST(Ledger, DuplicateRequestIdsAreRefused) {
    ledger l;
    ASSERT_TRUE(l.reserve("c", "r1", limits, charge_for(1, 1, {}), "m", t0, t0 + 60).fits);
    EXPECT_FALSE(l.reserve("c", "r1", limits, charge_for(1, 1, {}), "m", t0, t0 + 60).fits);
    EXPECT_TRUE(l.reserve("other", "r1", limits, charge_for(1, 1, {}), "m", t0, t0 + 60).fits)
        << "ids are per consumer";
}

TEST(Ledger, ExpiredReservationsAreChargedInFull) {
    ledger l;
    ASSERT_TRUE(l.reserve("c", "r1", limits, charge_for(100, 200, {}), "gpt-4o", t0, t0 + 30).fits);
    EXPECT_EQ(l.expire(t0 + 29), 0u);
    EXPECT_EQ(l.expire(t0 + 30), 1u);
    EXPECT_EQ(l.state("c", limits[0], t0), (bucket{300, 0}));
    EXPECT_FALSE(l.settle("c", "r1", charge_for(1, 1, {}))) << "too late: charged already";
}

TEST(Ledger, AmountsGoToTheWindowsCurrentAtReservation) {
    ledger l;
    const std::int64_t late = t0 + 59;  // 10:00:59
    ASSERT_TRUE(l.reserve("c", "r1", limits, charge_for(100, 100, {}), "m", late, late + 60).fits);
    EXPECT_TRUE(l.settle("c", "r1", charge_for(100, 50, {})));
    EXPECT_EQ(l.state("c", limits[0], t0).used, 150) << "charged to 10:00";
    EXPECT_EQ(l.state("c", limits[0], t0 + 60).used, 0) << "10:01 starts empty";
    l.forget_windows_before(t0 + 60);
    EXPECT_EQ(l.state("c", limits[0], t0).used, 0);
    EXPECT_EQ(l.state("c", limits[1], t0).used, 1) << "the day window is still current";
}

TEST(Ledger, EndedWindowsAreForgottenButForTheBucketsAReservationHolds) {
    ledger l;
    const std::vector<config::limit> minute{
        {config::window::minute, config::metric::tokens, 1000, {}}};
    l.expire(t0);
    ASSERT_TRUE(l.reserve("c", "held", minute, charge_for(10, 10, {}), "m", t0, t0 + 900).fits);
    ASSERT_TRUE(
        l.reserve("c", "done", minute, charge_for(10, 10, {}), "m", t0 + 60, t0 + 900).fits);
    ASSERT_TRUE(l.settle("c", "done", charge_for(1, 1, {})));
    ASSERT_TRUE(
        l.reserve("d", "done", minute, charge_for(10, 10, {}), "m", t0 + 60, t0 + 900).fits);
    ASSERT_TRUE(l.settle("d", "done", charge_for(1, 1, {})));
    EXPECT_EQ(l.buckets(), 3u);
    l.expire(t0 + 150);  // the minutes of 10:00 and 10:01 have ended
    EXPECT_EQ(l.buckets(), 1u) << "10:00 stays: a reservation still holds some of it";
    EXPECT_TRUE(l.settle("c", "held", charge_for(5, 5, {})));
    EXPECT_EQ(l.state("c", minute[0], t0), (bucket{10, 0})) << "settled into its own window";
    l.expire(t0 + 200);
    EXPECT_EQ(l.buckets(), 1u) << "swept about once a minute, not on every call";
    l.expire(t0 + 210);
    EXPECT_EQ(l.buckets(), 0u);
}

// Many requests at the edge of a limit, each reserving an upper bound of what it will use
// (strict admission) and settling a random actual: the limit is never passed, and the total
// charged is exactly the sum of the actual usage.
TEST(Ledger, StrictReservationsNeverPassTheLimitAndChargeExactly) {
    const std::vector<config::limit> one{
        {config::window::minute, config::metric::tokens, 10'000, {}}};
    std::mt19937 rng(7);
    ledger l;
    std::vector<std::pair<std::string, amounts>> in_flight;
    std::int64_t charged = 0;
    int served = 0;
    for (int i = 0; i < 2000; ++i) {
        const amounts bound = charge_for(rng() % 200, rng() % 400, {});
        const std::string id = "r" + std::to_string(i);
        if (l.reserve("c", id, one, bound, "m", t0, t0 + 60).fits) {
            in_flight.emplace_back(id, bound);
            ++served;
        }
        if (!in_flight.empty() && rng() % 2 == 0) {
            const auto [sid, held] = in_flight.front();
            in_flight.erase(in_flight.begin());
            const amounts actual =
                charge_for(held.prompt_tokens,
                           held.completion_tokens ? rng() % held.completion_tokens : 0,
                           {});
            ASSERT_TRUE(l.settle("c", sid, actual));
            charged += actual.prompt_tokens + actual.completion_tokens;
        }
        const auto b = l.state("c", one[0], t0);
        ASSERT_LE(b.used + b.reserved, 10'000);
    }
    EXPECT_EQ(l.state("c", one[0], t0).used, charged);
    EXPECT_GT(served, 20);
}

}  // namespace
}  // namespace tollgate::quota

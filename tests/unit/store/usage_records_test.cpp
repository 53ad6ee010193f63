#include "tollgate/store/usage_records.hpp"

#include <gtest/gtest.h>

namespace tollgate::store::usage_records {
namespace {

config::limit limit(config::window per, config::metric what, double amount) {
    return {per, what, amount, {}};
}

const std::vector<config::limit> limits{
    limit(config::window::day, config::metric::tokens, 1000),
    limit(config::window::month, config::metric::cost_usd, 5),
    {config::window::minute, config::metric::requests, 10, {"gpt 4*", "o1%"}},  // escaped
};
constexpr std::int64_t t0 = 1'800'000'000;

std::vector<quota::bucket> states(const quota::ledger& l, const std::string& c) {
    return l.states(c, limits, t0);
}

// The live ledger and one rebuilt from the records written while it ran.
struct pair_of_ledgers {
    quota::ledger live;
    std::string log;

    void reserve(const std::string& c, const std::string& id, quota::amounts want) {
        ASSERT_TRUE(live.reserve(c, id, limits, want, "gpt 4o", t0, t0 + 600).fits);
        reserved(log, c, id, limits, want, t0, t0 + 600);
    }
    void settle(const std::string& c, const std::string& id, quota::amounts actual) {
        ASSERT_TRUE(live.settle(c, id, actual));
        settled(log, c, id, actual);
    }
    void add(const std::string& c, const std::string& id, quota::amounts actual) {
        ASSERT_TRUE(live.add(c, id, limits, actual, t0));
        added(log, c, id, limits, actual, t0);
    }
    std::string checksummed() const {
        std::string out;
        checksum(log, out);
        return out;
    }
};

TEST(UsageRecords, ReplayRebuildsTheLedgerAndChargesOpenReservationsInFull) {
    pair_of_ledgers p;
    p.reserve("acme", "r1", {10, 20, 1, 3'000});
    p.settle("acme", "r1", {10, 5, 1, 1'000});
    p.reserve("acme", "r2", {7, 50, 1, 9'000});  // open at the "crash"
    p.add("acme", "adjust:x", {-3, 0, 0, -100});
    p.reserve("beta", "r3", {1, 1, 1, 1});
    p.settle("beta", "r3", {1, 1, 1, 1});

    quota::ledger rebuilt;
    const auto r = replay(p.checksummed(), rebuilt);
    EXPECT_EQ(r.records, 6u);
    EXPECT_EQ(r.damaged, 0u);
    EXPECT_EQ(r.charged_open, 1u);
    p.live.charge_open();  // what the crash rule does to the live one
    EXPECT_EQ(states(rebuilt, "acme"), states(p.live, "acme"));
    EXPECT_EQ(states(rebuilt, "beta"), states(p.live, "beta"));
    EXPECT_EQ(states(rebuilt, "acme")[0].used, 10 + 5 + 7 + 50 - 3);
    EXPECT_EQ(states(rebuilt, "acme")[0].reserved, 0);
    // A charge applies once per id, also across the replay.
    EXPECT_FALSE(rebuilt.add("acme", "adjust:x", limits, {-3, 0, 0, 0}, t0));
}

TEST(UsageRecords, ASnapshotReplaysToTheSameLedgerOpenReservationsIncluded) {
    pair_of_ledgers p;
    p.reserve("acme", "r1", {10, 20, 1, 3'000});
    p.settle("acme", "r1", {10, 5, 1, 1'000});
    p.reserve("acme", "r2", {7, 50, 1, 9'000});
    p.add("acme", "adjust:x", {4, 0, 0, 0});
    std::string snap;
    snapshot(snap, p.live);
    std::string lines;
    checksum(snap, lines);
    quota::ledger from_snapshot;
    const auto r = replay(lines, from_snapshot);
    EXPECT_EQ(r.damaged, 0u);
    EXPECT_EQ(r.charged_open, 1u);
    p.live.charge_open();
    EXPECT_EQ(states(from_snapshot, "acme"), states(p.live, "acme"));
    EXPECT_FALSE(from_snapshot.add("acme", "adjust:x", limits, {4, 0, 0, 0}, t0));
}

TEST(UsageRecords, ADamagedOrTornRecordIsSkippedTheRestApplies) {
    pair_of_ledgers p;
    p.reserve("acme", "r1", {10, 20, 1, 3'000});
    p.settle("acme", "r1", {10, 5, 1, 1'000});
    p.reserve("acme", "r2", {1, 2, 1, 3});
    p.settle("acme", "r2", {1, 2, 1, 3});
    std::string bytes = p.checksummed();
    const auto second = bytes.find('\n') + 1;
    bytes[second + 12] ^= 1;         // the settlement of r1: its checksum fails
    bytes.resize(bytes.size() - 5);  // the last record torn
    quota::ledger rebuilt;
    const auto r = replay(bytes, rebuilt);
    EXPECT_EQ(r.records, 2u);
    EXPECT_EQ(r.damaged, 2u);
    // r1 was never seen settled: charged in full as an open reservation; r2's settlement torn.
    EXPECT_EQ(r.charged_open, 2u);
    EXPECT_EQ(states(rebuilt, "acme")[0].used, 30 + 3);
}

TEST(UsageRecords, ARecordLongerThanItsBufferIsWhole) {
    config::limit many{config::window::day, config::metric::tokens, 100, {}};
    for (int i = 0; i < 120; ++i) {
        many.models.push_back("model-name-" + std::to_string(i));
    }
    const std::vector<config::limit> ls{many};
    quota::ledger live;
    std::string log;
    ASSERT_TRUE(live.reserve("acme", "r1", ls, {5, 6, 1, 0}, "model-name-7", t0, t0 + 60).fits);
    reserved(log, "acme", "r1", ls, {5, 6, 1, 0}, t0, t0 + 60);
    EXPECT_GT(log.size(), 1500u);
    std::string lines;
    checksum(log, lines);
    quota::ledger rebuilt;
    EXPECT_EQ(replay(lines, rebuilt).damaged, 0u);
    EXPECT_EQ(rebuilt.states("acme", ls, t0)[0].used, 11);
}

TEST(UsageRecords, GarbageIsNoRecord) {
    quota::ledger l;
    for (const char* line : {"",
                             "R",
                             "R acme",
                             "S acme r1 1 2 3",
                             "Q x y",
                             "R a b 1 2 3 4 5 6 1",
                             "A a b 1 1 1 1 1 1 zz:tokens",
                             "U a day:tokens x 1",
                             "H a b 1 99999999999",
                             "S a b 1 2 3 4 5"}) {
        EXPECT_FALSE(apply(line, l)) << line;
    }
}

}  // namespace
}  // namespace tollgate::store::usage_records

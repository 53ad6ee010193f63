#include "tollgate/store/lease_book.hpp"

#include <gtest/gtest.h>

namespace tollgate::store {
namespace {

using namespace std::chrono_literals;
using clock = lease_book::clock;

config::limit tokens_per_minute(double amount) {
    config::limit l;
    l.per = config::window::minute;
    l.what = config::metric::tokens;
    l.amount = amount;
    return l;
}

config::limit requests_per_day(double amount) {
    config::limit l;
    l.per = config::window::day;
    l.what = config::metric::requests;
    l.amount = amount;
    return l;
}

reservation_request request(const std::string& id, std::int64_t prompt, std::int64_t completion) {
    reservation_request r;
    r.consumer = "acme";
    r.request_id = id;
    r.prompt_tokens = prompt;
    r.completion_tokens = completion;
    r.lease = {4, 8, 1000};
    return r;
}

// What the store answers for a lease of `times` requests' worth of 10 + 90 tokens.
reservation_result granted(std::int64_t times) {
    reservation_result res;
    res.fits = true;
    res.now = 1'000'020;  // 40 s before the minute ends
    res.completion_tokens = 90;
    res.lease = times;
    res.after = {{500, 100 * times}, {7, times}};
    res.resets_at = {1'000'060, 1'036'800};
    return res;
}

class LeaseBook : public ::testing::Test {
protected:
    std::vector<config::limit> limits{tokens_per_minute(10'000), requests_per_day(1'000)};
    lease_book book;
    clock::time_point t0 = clock::now();
    static constexpr std::uint64_t session = 1;

    void open(std::int64_t times) {
        auto res = granted(times);
        book.open(request("first", 10, 90), limits, res, session, t0);
        EXPECT_EQ(res.lease, times);
        // The lease's unused part counts as remaining, not as reserved.
        EXPECT_EQ(res.after[0].reserved, 100);
        EXPECT_EQ(res.after[1].reserved, 1);
    }
};

TEST_F(LeaseBook, NextRequestsDrawOnTheLeaseUntilItIsSpent) {
    open(4);
    for (int i = 0; i < 3; ++i) {
        const auto r = book.draw(request("r" + std::to_string(i), 10, 90), limits, session, t0);
        ASSERT_TRUE(r);
        EXPECT_TRUE(r->fits);
        EXPECT_EQ(r->completion_tokens, 90);
        EXPECT_EQ(r->after[0].reserved, 100 * (i + 2));
        EXPECT_EQ(r->resets_at[0], 1'000'060);
    }
    EXPECT_FALSE(book.draw(request("r3", 10, 90), limits, session, t0)) << "spent";
    EXPECT_EQ(book.in_flight(), 4U);
}

TEST_F(LeaseBook, SettlesInTheStoreOnceWithTheSumWhenClosedAndIdle) {
    open(4);
    ASSERT_TRUE(book.draw(request("r1", 10, 90), limits, session, t0));
    auto a = book.settle("acme", "first", quota::charge_for(10, 30, {}));
    EXPECT_TRUE(a.ours);
    EXPECT_FALSE(a.lease_due) << "still open";
    EXPECT_TRUE(book.due(t0 + 500ms, session).empty());
    // Past max_age it closes; the request still in flight holds it.
    EXPECT_TRUE(book.due(t0 + 1100ms, session).empty());
    EXPECT_FALSE(book.draw(request("r2", 10, 90), limits, session, t0 + 1100ms)) << "closed";
    auto b = book.settle("acme", "r1", quota::charge_for(10, 50, {}));
    ASSERT_TRUE(b.ours);
    ASSERT_TRUE(b.lease_due);
    EXPECT_EQ(b.lease_due->request_id, "first");
    EXPECT_EQ(b.lease_due->reserved_at, 1'000'020);
    EXPECT_EQ(b.lease_due->actual.prompt_tokens, 20);
    EXPECT_EQ(b.lease_due->actual.completion_tokens, 80);
    EXPECT_EQ(b.lease_due->actual.requests, 2);
    EXPECT_TRUE(book.empty());
    EXPECT_FALSE(book.settle("acme", "r1", quota::charge_for(10, 50, {})).ours) << "once";
}

TEST_F(LeaseBook, ARequestThatDoesNotFitClosesTheLease) {
    open(4);
    EXPECT_FALSE(book.draw(request("big", 10, 1000), limits, session, t0));
    EXPECT_FALSE(book.draw(request("small", 10, 90), limits, session, t0)) << "closed";
    const auto done = book.settle("acme", "first", quota::charge_for(10, 90, {}));
    ASSERT_TRUE(done.lease_due) << "its unused part goes back at once";
    EXPECT_EQ(done.lease_due->actual.completion_tokens, 90);
}

TEST_F(LeaseBook, AnotherConsumerModelLimitsOrConnectionDoesNotDraw) {
    open(4);
    auto other = request("x", 10, 90);
    other.consumer = "globex";
    EXPECT_FALSE(book.draw(other, limits, session, t0));
    EXPECT_FALSE(book.draw(request("y", 10, 90), {tokens_per_minute(10'000)}, session, t0));
    auto changed = limits;
    changed[0].amount = 20'000;
    EXPECT_FALSE(book.draw(request("z", 10, 90), changed, session, t0));
    EXPECT_FALSE(book.draw(request("w", 10, 90), limits, session + 1, t0)) << "Redis reconnected";
    const auto due = book.due(t0, session + 1);
    EXPECT_TRUE(due.empty()) << "its first request is in flight";
    EXPECT_TRUE(book.settle("acme", "first", quota::charge_for(10, 90, {})).lease_due);
}

TEST_F(LeaseBook, ALeaseOfOneClosesAtOnceAndSettlesWithItsRequest) {
    open(1);
    EXPECT_FALSE(book.draw(request("r1", 10, 90), limits, session, t0));
    const auto done = book.settle("acme", "first", quota::charge_for(10, 5, {}));
    ASSERT_TRUE(done.lease_due);
    EXPECT_EQ(done.lease_due->actual.completion_tokens, 5);
}

TEST_F(LeaseBook, ClosesAtTheEndOfItsWindow) {
    auto res = granted(4);
    res.resets_at[0] = res.now + 0;  // the minute ends now
    book.open(request("first", 10, 90), limits, res, session, t0);
    EXPECT_FALSE(book.draw(request("r1", 10, 90), limits, session, t0));
}

TEST_F(LeaseBook, ARepeatedRequestIdIsRefused) {
    open(4);
    const auto r = book.draw(request("first", 10, 90), limits, session, t0);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->fits);
    EXPECT_EQ(book.in_flight(), 1U);
    // Also when it would not fit the lease: the store never saw the id, and must not be
    // asked to reserve it a second time.
    const auto big = book.draw(request("first", 10, 1000), limits, session, t0);
    ASSERT_TRUE(big);
    EXPECT_FALSE(big->fits);
    EXPECT_TRUE(book.draw(request("second", 10, 90), limits, session, t0)) << "still open";
}

TEST_F(LeaseBook, CloseAllGivesBackIdleLeases) {
    open(4);
    EXPECT_TRUE(book.close_all().empty()) << "its first request is in flight";
    EXPECT_TRUE(book.settle("acme", "first", quota::charge_for(10, 90, {})).lease_due);
    EXPECT_TRUE(book.empty());
}

}  // namespace
}  // namespace tollgate::store

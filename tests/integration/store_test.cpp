// The store's behaviour, one suite run against both backends: memory (with a journal) and a
// real redis-server started on a free port.
#include "harness.hpp"
#include "tollgate/core/error.hpp"
#include "tollgate/core/rfc3339.hpp"
#include "tollgate/store/backend.hpp"

#include <algorithm>
#include <fstream>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <gtest/gtest.h>

namespace tollgate::store {
namespace {

using testing::redis_server;

class Store : public ::testing::TestWithParam<const char*> {
protected:
    void SetUp() override {
        cfg_.command_timeout = std::chrono::milliseconds(2000);
        if (std::string(GetParam()) == "redis") {
            redis_.emplace();
            cfg_.kind = config::store_kind::redis;
            cfg_.url = redis_->url(2);
        } else {
            cfg_.path = testing::make_temp_dir() + "/journal";
        }
        open();
    }

    void open() {
        st_.reset();
        backend_.reset();
        backend_ = open_backend(cfg_);
        st_ = backend_->open(ioc_);
        // Redis connects in the background: wait until it answers.
        for (int i = 0; i < 100 && !run(st_->ping()); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }

    // Runs one store call to completion on this thread.
    template <class T>
    T run(task<T> t) {
        std::optional<T> out;
        net::co_spawn(ioc_, std::move(t), [&out](std::exception_ptr e, T v) {
            if (e) {
                std::rethrow_exception(e);
            }
            out.emplace(std::move(v));
        });
        while (!out) {
            ioc_.run_one_for(std::chrono::milliseconds(50));
        }
        return std::move(*out);
    }

    // Turns the io_context until `done` or `timeout`.
    template <class Pred>
    bool pump_until(Pred done, std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
        const auto end = std::chrono::steady_clock::now() + timeout;
        while (!done() && std::chrono::steady_clock::now() < end) {
            ioc_.run_one_for(std::chrono::milliseconds(10));
        }
        return done();
    }

    consumer make_consumer(const std::string& id) {
        consumer c;
        c.id = id;
        c.name = "name of " + id;
        c.created_at = c.updated_at = unix_now();
        return c;
    }

    key_record make_key(const std::string& consumer_id, auth::minted_key& m) {
        m = auth::mint_key();
        key_record k;
        k.id = m.id;
        k.consumer_id = consumer_id;
        k.prefix = m.prefix;
        k.digest = auth::to_hex(m.digest);
        k.created_at = unix_now();
        return k;
    }

    net::io_context ioc_;
    // Keeps run_one_for() working when no operation is pending (memory store).
    net::executor_work_guard<net::io_context::executor_type> work_{ioc_.get_executor()};
    config::store_config cfg_;
    std::optional<redis_server> redis_;
    std::unique_ptr<backend> backend_;
    std::shared_ptr<store> st_;
};

TEST_P(Store, ConsumersCreateReadUpdateDelete) {
    auto made = run(st_->create_consumer(make_consumer("acme")));
    ASSERT_TRUE(made) << made.error().message();
    EXPECT_EQ(run(st_->create_consumer(make_consumer("acme"))).error(), error::already_exists);
    auto got = run(st_->get_consumer("acme"));
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, *made);
    auto changed = *got;
    changed.disabled = true;
    changed.metadata = {{"tier", "gold"}};
    ASSERT_TRUE(run(st_->update_consumer(changed)));
    EXPECT_EQ(*run(st_->get_consumer("acme")), changed);
    EXPECT_EQ(run(st_->update_consumer(make_consumer("ghost"))).error(), error::not_found);
    ASSERT_TRUE(run(st_->delete_consumer("acme")));
    EXPECT_EQ(run(st_->get_consumer("acme")).error(), error::not_found);
    EXPECT_EQ(run(st_->delete_consumer("acme")).error(), error::not_found);
}

TEST_P(Store, ConsumersArePagedInIdOrder) {
    for (const char* id : {"e", "b", "d", "a", "c"}) {
        ASSERT_TRUE(run(st_->create_consumer(make_consumer(id))));
    }
    std::vector<std::string> seen;
    std::string cursor;
    int pages = 0;
    do {
        auto page = run(st_->list_consumers(cursor, 2));
        ASSERT_TRUE(page);
        for (const auto& c : page->items) {
            seen.push_back(c.id);
        }
        cursor = page->next_cursor;
        ++pages;
    } while (!cursor.empty() && pages < 10);
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
    EXPECT_EQ(pages, 3);
}

TEST_P(Store, KeysMintFindListRevoke) {
    auth::minted_key m;
    EXPECT_EQ(run(st_->add_key(make_key("nobody", m))).error(), error::not_found);
    ASSERT_TRUE(run(st_->create_consumer(make_consumer("acme"))));
    auto k = make_key("acme", m);
    k.models = {"gpt-*"};
    ASSERT_TRUE(run(st_->add_key(k)));
    auto grant = run(st_->find_key(m.digest));
    ASSERT_TRUE(grant) << grant.error().message();
    EXPECT_EQ(grant->key, k);
    EXPECT_EQ(grant->owner.id, "acme");
    auto listed = run(st_->list_keys("acme"));
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 1u);
    EXPECT_EQ(listed->front(), k);
    EXPECT_EQ(*run(st_->get_key(k.id)), k);

    ASSERT_TRUE(run(st_->revoke_key(k.id)));
    EXPECT_EQ(run(st_->find_key(m.digest)).error(), error::not_found);
    EXPECT_EQ(run(st_->get_key(k.id)).error(), error::not_found);
    EXPECT_EQ(run(st_->revoke_key(k.id)).error(), error::not_found);
    EXPECT_TRUE(run(st_->list_keys("acme"))->empty());
    EXPECT_EQ(run(st_->list_keys("nobody")).error(), error::not_found);
}

TEST_P(Store, RotationKeepsTheOldKeyUntilTheGraceEnds) {
    ASSERT_TRUE(run(st_->create_consumer(make_consumer("acme"))));
    auth::minted_key old_m, new_m, third_m;
    auto old_k = make_key("acme", old_m);
    ASSERT_TRUE(run(st_->add_key(old_k)));
    const auto until = unix_now() + 600;
    ASSERT_TRUE(run(st_->rotate_key(old_k.id, make_key("acme", new_m), until)));
    auto old_grant = run(st_->find_key(old_m.digest));
    ASSERT_TRUE(old_grant);
    EXPECT_EQ(old_grant->key.expires_at, until);
    ASSERT_TRUE(run(st_->find_key(new_m.digest)));
    // No grace: the old key goes at once.
    auto second = *run(st_->find_key(new_m.digest));
    ASSERT_TRUE(run(st_->rotate_key(second.key.id, make_key("acme", third_m), unix_now())));
    EXPECT_EQ(run(st_->find_key(new_m.digest)).error(), error::not_found);
    EXPECT_TRUE(run(st_->find_key(third_m.digest)));
    EXPECT_EQ(run(st_->list_keys("acme"))->size(), 2u);
}

TEST_P(Store, DeletingAConsumerRemovesItsKeys) {
    ASSERT_TRUE(run(st_->create_consumer(make_consumer("acme"))));
    auth::minted_key m1, m2;
    ASSERT_TRUE(run(st_->add_key(make_key("acme", m1))));
    ASSERT_TRUE(run(st_->add_key(make_key("acme", m2))));
    ASSERT_TRUE(run(st_->delete_consumer("acme")));
    EXPECT_EQ(run(st_->find_key(m1.digest)).error(), error::not_found);
    EXPECT_EQ(run(st_->find_key(m2.digest)).error(), error::not_found);
    // A consumer created again with the same id does not inherit the old keys.
    ASSERT_TRUE(run(st_->create_consumer(make_consumer("acme"))));
    EXPECT_EQ(run(st_->find_key(m1.digest)).error(), error::not_found);
    EXPECT_TRUE(run(st_->list_keys("acme"))->empty());
}

TEST_P(Store, ChangesAreAnnouncedAsInvalidations) {
    std::vector<invalidation> seen;
    backend_->watch(ioc_, [&seen](const invalidation& inv) { seen.push_back(inv); });
    if (redis_) {  // the subscriber announces itself with "everything" once subscribed
        ASSERT_TRUE(pump_until([&] { return !seen.empty(); }));
        seen.clear();
    }
    ASSERT_TRUE(run(st_->create_consumer(make_consumer("acme"))));
    auth::minted_key m;
    auto k = make_key("acme", m);
    ASSERT_TRUE(run(st_->add_key(k)));
    ASSERT_TRUE(run(st_->revoke_key(k.id)));
    ASSERT_TRUE(pump_until([&] { return seen.size() >= 1; }));
    EXPECT_EQ(seen[0].what, invalidation::scope::key);
    EXPECT_EQ(seen[0].id, k.id);
    auto c = *run(st_->get_consumer("acme"));
    c.disabled = true;
    ASSERT_TRUE(run(st_->update_consumer(c)));
    ASSERT_TRUE(pump_until([&] { return seen.size() >= 2; }));
    EXPECT_EQ(seen[1].what, invalidation::scope::consumer);
    EXPECT_EQ(seen[1].id, "acme");
}

TEST_P(Store, SurvivesARestart) {
    ASSERT_TRUE(run(st_->create_consumer(make_consumer("acme"))));
    auth::minted_key m, gone;
    ASSERT_TRUE(run(st_->add_key(make_key("acme", m))));
    auto revoked = make_key("acme", gone);
    ASSERT_TRUE(run(st_->add_key(revoked)));
    ASSERT_TRUE(run(st_->revoke_key(revoked.id)));
    open();
    EXPECT_TRUE(run(st_->get_consumer("acme")));
    EXPECT_TRUE(run(st_->find_key(m.digest)));
    EXPECT_EQ(run(st_->find_key(gone.digest)).error(), error::not_found);
}

// Quota accounts: the same rules (quota/ledger.hpp) in both backends.
reservation_request claim(const std::string& id,
                          std::int64_t prompt,
                          std::optional<std::int64_t> completion,
                          std::vector<config::limit> limits) {
    reservation_request r;
    r.consumer = "q";
    r.request_id = id;
    r.model = "gpt-4o";
    r.limits = std::move(limits);
    r.prompt_tokens = prompt;
    r.completion_tokens = completion;
    return r;
}

const std::vector<config::limit> minute_1000{
    {config::window::minute, config::metric::tokens, 1000, {}},
    {config::window::day, config::metric::requests, 100, {}},
    {config::window::day, config::metric::tokens, 5, {"claude-*"}},  // not for gpt-4o
};

TEST_P(Store, ReserveThenSettleChargesTheActualUsageOnce) {
    auto r = run(st_->reserve(claim("r1", 100, 200, minute_1000)));
    ASSERT_TRUE(r) << r.error().message();
    ASSERT_TRUE(r->fits);
    EXPECT_EQ(r->completion_tokens, 200);
    ASSERT_EQ(r->after.size(), 2u) << "only the limits for this model";
    EXPECT_EQ(r->after[0], (quota::bucket{0, 300}));
    EXPECT_EQ(r->after[1], (quota::bucket{0, 1}));
    EXPECT_GT(r->resets_at[0], r->now);
    EXPECT_LE(r->resets_at[0] - r->now, 60);
    auto done = run(st_->settle(
        "q", "r1", {minute_1000[0], minute_1000[1]}, r->now, quota::charge_for(90, 41, {})));
    ASSERT_TRUE(done);
    EXPECT_TRUE(*done);
    EXPECT_FALSE(*run(st_->settle(
        "q", "r1", {minute_1000[0], minute_1000[1]}, r->now, quota::charge_for(90, 41, {}))))
        << "exactly once";
    auto u = run(st_->usage("q", {minute_1000[0], minute_1000[1]}));
    ASSERT_TRUE(u);
    EXPECT_EQ(u->first[0], (quota::bucket{131, 0}));
    EXPECT_EQ(u->first[1], (quota::bucket{1, 0}));
}

TEST_P(Store, AReservationThatDoesNotFitHoldsNothing) {
    ASSERT_TRUE(run(st_->reserve(claim("a", 500, 300, minute_1000)))->fits);
    auto over = run(st_->reserve(claim("b", 100, 150, minute_1000)));
    ASSERT_TRUE(over);
    EXPECT_FALSE(over->fits);
    EXPECT_EQ(over->blocking, 0u);
    EXPECT_GT(over->retry_after, 0);
    EXPECT_LE(over->retry_after, 60);
    auto u = run(st_->usage("q", {minute_1000[0], minute_1000[1]}));
    EXPECT_EQ(u->first[0], (quota::bucket{0, 800}));
    EXPECT_EQ(u->first[1], (quota::bucket{0, 1}));
    EXPECT_FALSE(run(st_->reserve(claim("a", 1, 1, minute_1000)))->fits) << "ids reserve once";
}

TEST_P(Store, ClampGrantsWhatIsAffordable) {
    ASSERT_TRUE(run(st_->reserve(claim("a", 500, 200, minute_1000)))->fits);  // 300 left
    auto asked = claim("b", 100, 500, minute_1000);
    EXPECT_FALSE(run(st_->reserve(asked))->fits) << "no clamp: all or nothing";
    asked.request_id = "c";
    asked.clamp = true;
    auto clamped = run(st_->reserve(asked));
    ASSERT_TRUE(clamped->fits);
    EXPECT_EQ(clamped->completion_tokens, 200);
    auto open_ended = claim("d", 0, std::nullopt, minute_1000);  // 0 left now
    auto none = run(st_->reserve(open_ended));
    EXPECT_FALSE(none->fits);
    EXPECT_EQ(none->completion_tokens, 1);
    auto unlimited = claim("e", 10, std::nullopt, {});
    unlimited.completion_cap = 777;
    EXPECT_EQ(run(st_->reserve(unlimited))->completion_tokens, 777);
}

TEST_P(Store, CostLimitsAreExactInPicoDollars) {
    const std::vector<config::limit> budget{
        {config::window::month, config::metric::cost_usd, 0.001, {}}};  // 1e9 pico-USD
    auto r = claim("a", 1000, 1000, budget);
    r.price = {150'000, 600'000};  // gpt-4o-mini: 0.15 / 0.60 USD per million
    auto first = run(st_->reserve(r));
    ASSERT_TRUE(first->fits);
    EXPECT_EQ(first->after[0].reserved, 750'000'000);
    ASSERT_TRUE(
        *run(st_->settle("q", "a", budget, first->now, quota::charge_for(1000, 10, r.price))));
    auto u = run(st_->usage("q", budget));
    EXPECT_EQ(u->first[0].used, 1000 * 150'000 + 10 * 600'000);
}

TEST_P(Store, ConcurrentSettlementsEachCountOnce) {
    // Settlements issued together (Redis: coalesced into one or a few script calls), one of
    // them a second settlement of the same request id.
    const std::vector<config::limit> limits{minute_1000[0], minute_1000[1]};
    std::int64_t reserved_at = 0;
    for (int i = 0; i < 20; ++i) {
        auto r = run(st_->reserve(claim("c" + std::to_string(i), 10, 10, limits)));
        ASSERT_TRUE(r && r->fits);
        reserved_at = r->now;
    }
    std::vector<std::optional<bool>> answers(21);
    for (int i = 0; i < 21; ++i) {
        const std::string id = "c" + std::to_string(i == 20 ? 7 : i);
        net::co_spawn(ioc_,
                      st_->settle("q", id, limits, reserved_at, quota::charge_for(3, 2, {})),
                      [&answers, i](std::exception_ptr, result<bool> done) {
                          answers[static_cast<std::size_t>(i)] = done && *done;
                      });
    }
    for (int spins = 0;
         spins < 200 && std::ranges::any_of(answers, [](const auto& a) { return !a.has_value(); });
         ++spins) {
        ioc_.run_one_for(std::chrono::milliseconds(50));
    }
    const auto settled = std::ranges::count(answers, std::optional<bool>(true));
    EXPECT_EQ(settled, 20) << "every reservation once, the repeated id not twice";
    auto u = run(st_->usage("q", limits));
    ASSERT_TRUE(u);
    EXPECT_EQ(u->first[0], (quota::bucket{20 * 5, 0}));
    EXPECT_EQ(u->first[1], (quota::bucket{20, 0}));
}

TEST_P(Store, ConcurrentReservationsNeverPassTheLimit) {
    // Reservations issued together (Redis: coalesced into one or a few script calls), each
    // decided in order against what the earlier ones hold; one id is sent twice.
    const std::vector<config::limit> limits{minute_1000[0], minute_1000[1]};
    std::vector<std::optional<bool>> fits(31);
    for (int i = 0; i < 31; ++i) {
        const std::string id = "p" + std::to_string(i == 30 ? 3 : i);
        net::co_spawn(ioc_,
                      st_->reserve(claim(id, 20, 20, limits)),
                      [&fits, i](std::exception_ptr, result<reservation_result> r) {
                          fits[static_cast<std::size_t>(i)] = r && r->fits;
                      });
    }
    for (int spins = 0;
         spins < 200 && std::ranges::any_of(fits, [](const auto& f) { return !f.has_value(); });
         ++spins) {
        ioc_.run_one_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(std::ranges::count(fits, std::optional<bool>(true)), 25)
        << "1000 tokens hold 25 reservations of 40; the repeated id holds nothing more";
    auto u = run(st_->usage("q", limits));
    ASSERT_TRUE(u);
    EXPECT_EQ(u->first[0], (quota::bucket{0, 1000}));
    EXPECT_EQ(u->first[1], (quota::bucket{0, 25}));
}

TEST_P(Store, UnsettledReservationsExpireChargedInFull) {
    auto r = claim("lost", 100, 100, minute_1000);
    r.ttl_seconds = 1;
    ASSERT_TRUE(run(st_->reserve(r))->fits);
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    auto u = run(st_->usage("q", {minute_1000[1]}));  // the day: the minute may have turned
    ASSERT_TRUE(u);
    EXPECT_EQ(u->first[0], (quota::bucket{1, 0}));
    EXPECT_FALSE(*run(st_->settle("q",
                                  "lost",
                                  {minute_1000[0], minute_1000[1]},
                                  u->second - 2,
                                  quota::charge_for(1, 1, {}))));
}

INSTANTIATE_TEST_SUITE_P(Backends, Store, ::testing::Values("memory", "redis"), [](const auto& p) {
    return std::string(p.param);
});

// Memory only: the journal across restarts, compaction and a torn tail.
TEST(MemoryStore, JournalIsCompactedAndATornTailIsSkipped) {
    net::io_context ioc;
    config::store_config cfg;
    cfg.path = testing::make_temp_dir() + "/journal";
    cfg.compact_after = 3;
    auto run = [&ioc](auto t) {
        bool ok = false;
        net::co_spawn(ioc, std::move(t), [&ok](std::exception_ptr, auto r) { ok = bool(r); });
        ioc.restart();
        ioc.run();
        return ok;
    };
    {
        auto b = open_backend(cfg);
        auto st = b->open(ioc);
        for (int i = 0; i < 7; ++i) {
            consumer c;
            c.id = "c" + std::to_string(i);
            ASSERT_TRUE(run(st->create_consumer(c)));
        }
    }
    std::ifstream in(cfg.path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_LE(std::count(text.begin(), text.end(), '\n'), 3) << "compacted";
    std::ofstream(cfg.path, std::ios::app) << "deadbeef [{\"op\":\"put_cons";  // torn write
    auto b = open_backend(cfg);
    auto st = b->open(ioc);
    for (int i = 0; i < 7; ++i) {
        EXPECT_TRUE(run(st->get_consumer("c" + std::to_string(i)))) << i;
    }
}

}  // namespace
}  // namespace tollgate::store

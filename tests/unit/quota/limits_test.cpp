#include "tollgate/quota/limits.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::quota {
namespace {

config::limit make(config::window w,
                   config::metric m,
                   double amount,
                   std::vector<std::string> models = {}) {
    return {w, m, amount, std::move(models)};
}

constexpr std::int64_t now = 1795514400 + 17;  // 2026-11-24T10:00:17Z

TEST(Pricing, ExactNameThenGlobAndIntegerPicoDollars) {
    config::config cfg;
    cfg.pricing["gpt-4o-mini"] = {0.15, 0.60};
    cfg.pricing["gpt-4o*"] = {2.5, 10};
    const auto mini = price_of(cfg, "gpt-4o-mini");
    EXPECT_EQ(mini.input, 150'000);  // 0.15 USD / 1e6 tokens = 1.5e-7 USD = 150,000 pico-USD
    EXPECT_EQ(mini.output, 600'000);
    EXPECT_EQ(price_of(cfg, "gpt-4o-2024-08-06").output, 10'000'000);
    EXPECT_EQ(price_of(cfg, "claude-3").input, 0);
    // A million prompt tokens at 0.15 USD is exactly 0.15 USD.
    EXPECT_EQ(charge_for(1'000'000, 0, mini).cost, pico_per_usd * 15 / 100);
}

TEST(Amounts, EachMetricCountsItsPart) {
    const auto a = charge_for(100, 20, {1, 2});
    EXPECT_EQ(amount_of(a, config::metric::tokens), 120);
    EXPECT_EQ(amount_of(a, config::metric::prompt_tokens), 100);
    EXPECT_EQ(amount_of(a, config::metric::completion_tokens), 20);
    EXPECT_EQ(amount_of(a, config::metric::requests), 1);
    EXPECT_EQ(amount_of(a, config::metric::cost_usd), 140);
    EXPECT_EQ(ceiling_of(make(config::window::month, config::metric::cost_usd, 5)),
              5 * pico_per_usd);
}

TEST(Decide, AllOrNothingAcrossLimitsWithRetryAfterOfTheBlockingWindow) {
    const std::vector<config::limit> limits{
        make(config::window::minute, config::metric::tokens, 1000),
        make(config::window::day, config::metric::tokens, 5000),
        make(config::window::minute, config::metric::requests, 2, {"claude-*"}),
    };
    std::vector<bucket> state{{300, 200}, {4000, 0}, {2, 0}};
    // 500 fits the minute (300 + 200 + 500 = 1000) and the day (4500).
    EXPECT_TRUE(decide(limits, state, charge_for(400, 100, {}), "gpt-4o", now).fits);
    // 501 does not fit the minute: retry when the minute turns (43 s from :17).
    const auto over = decide(limits, state, charge_for(401, 100, {}), "gpt-4o", now);
    EXPECT_FALSE(over.fits);
    EXPECT_EQ(over.blocking, 0u);
    EXPECT_EQ(over.retry_after, 43);
    // The requests limit counts only claude models: gpt passes, claude is out of requests.
    const auto claude = decide(limits, state, charge_for(1, 1, {}), "claude-3-haiku", now);
    EXPECT_FALSE(claude.fits);
    EXPECT_EQ(claude.blocking, 2u);
    // The day blocks when the minute has room.
    state = {{0, 0}, {4990, 0}, {0, 0}};
    const auto day = decide(limits, state, charge_for(20, 0, {}), "gpt-4o", now);
    EXPECT_FALSE(day.fits);
    EXPECT_EQ(day.blocking, 1u);
    EXPECT_EQ(day.retry_after, 14 * 3600 - 17);  // until midnight UTC
}

TEST(Affordable, TheTightestLimitBoundsTheCompletion) {
    const std::vector<config::limit> limits{
        make(config::window::minute, config::metric::tokens, 1000),
        make(config::window::day, config::metric::completion_tokens, 300),
        make(config::window::month, config::metric::cost_usd, 0.000'1),  // 1e8 pico-USD
        make(config::window::minute, config::metric::requests, 10),
    };
    const token_price p{100'000, 200'000};
    std::vector<bucket> state{{0, 0}, {0, 0}, {0, 0}, {0, 0}};
    // tokens: 1000 - 200 = 800; completion: 300; cost: (1e8 - 200 * 1e5) / 2e5 = 400.
    EXPECT_EQ(affordable_completion(limits, state, 200, p, "m"), 300);
    state[1] = {250, 40};  // 10 completion tokens left today
    EXPECT_EQ(affordable_completion(limits, state, 200, p, "m"), 10);
    state[0] = {900, 0};  // the prompt alone exceeds the minute: nothing, never negative
    EXPECT_EQ(affordable_completion(limits, state, 200, p, "m"), 0);
    const std::vector<config::limit> only_requests{limits[3]};
    EXPECT_FALSE(affordable_completion(only_requests, state, 200, p, "m"));
}

TEST(LimitsOf, ConsumerLimitsOverrideThePlan) {
    config::config cfg;
    cfg.plans["free"].limits = {make(config::window::day, config::metric::tokens, 100)};
    cfg.plans["pro"].limits = {make(config::window::day, config::metric::tokens, 1000)};
    cfg.default_plan = "free";
    EXPECT_EQ(limits_of(cfg, "pro", nullptr).at(0).amount, 1000);
    EXPECT_EQ(limits_of(cfg, "", nullptr).at(0).amount, 100);
    EXPECT_EQ(limits_of(cfg, "gone", nullptr).at(0).amount, 100) << "a removed plan: default";
    const auto own = limits_of(
        cfg,
        "pro",
        nlohmann::json::parse(
            R"([{"window":"month","cost_usd":5,"models":["gpt-*"]},{"window":"hour","requests":7}])"));
    ASSERT_EQ(own.size(), 2u);
    EXPECT_EQ(own[0].per, config::window::month);
    EXPECT_EQ(own[0].what, config::metric::cost_usd);
    EXPECT_EQ(own[0].models, std::vector<std::string>{"gpt-*"});
    EXPECT_EQ(own[1].what, config::metric::requests);
    EXPECT_EQ(own[1].amount, 7);
    EXPECT_TRUE(limits_of(config::config{}, "", nullptr).empty());
}

TEST(LimitsOf, AnUnlimitedConsumerLimitIsNoLimit) {
    config::config cfg;
    cfg.plans["free"].limits = {make(config::window::day, config::metric::tokens, 100)};
    cfg.default_plan = "free";
    const auto own =
        limits_of(cfg, "free", nlohmann::json::parse(R"([{"window":"day","tokens":"unlimited"},
                                                         {"window":"hour","requests":7}])"));
    ASSERT_EQ(own.size(), 1u);  // the plan's 100 tokens a day no longer apply either
    EXPECT_EQ(own[0].what, config::metric::requests);
}

}  // namespace
}  // namespace tollgate::quota

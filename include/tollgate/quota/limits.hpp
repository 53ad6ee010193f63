// Quota arithmetic, apart from any store: which limits apply to a consumer and a model, what
// a request counts against each, and whether it fits. The memory store and the Redis script
// implement exactly these rules; this is where they are stated and tested. Pure.
//
// Money is integer pico-USD (1e-12 USD): sums are exact, and a price with up to six decimals
// per million tokens is exact per token. int64 holds about ±9.2 million USD per window.
#pragma once

#include "tollgate/config/config.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace tollgate::quota {

using pico_usd = std::int64_t;
inline constexpr pico_usd pico_per_usd = 1'000'000'000'000;

/// Price per token, from the YAML's USD per million tokens.
struct token_price {
    pico_usd input = 0;
    pico_usd output = 0;
};

/// The price of `model`: an exact `pricing` key first, then the first key that matches as a
/// glob; zero (free) when none does.
token_price price_of(const config::config& cfg, std::string_view model);

/// What one request counts.
struct amounts {
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
    std::int64_t requests = 1;
    pico_usd cost = 0;
};

amounts charge_for(std::int64_t prompt_tokens, std::int64_t completion_tokens, token_price p);

/// The amount a limit of metric `m` counts (tokens = prompt + completion; cost in pico-USD).
std::int64_t amount_of(const amounts& a, config::metric m) noexcept;

/// A limit's ceiling in the unit amount_of() counts.
std::int64_t ceiling_of(const config::limit& l) noexcept;

/// Whether `l` counts requests for `model` (no `models` filter: every model).
bool applies(const config::limit& l, std::string_view model);

/// The consumer's limits: its own list when set (JSON as the Admin API validated it), else
/// its plan's, else default_plan's; none when there is no plan.
std::vector<config::limit> limits_of(const config::config& cfg,
                                     const std::string& plan,
                                     const nlohmann::json& consumer_limits);

/// A limit's account in its current window.
struct bucket {
    std::int64_t used = 0;      // settled
    std::int64_t reserved = 0;  // held by requests in flight

    bool operator==(const bucket&) const = default;
};

struct decision {
    bool fits = true;
    std::size_t blocking = 0;      // the first applicable limit that does not fit
    std::int64_t retry_after = 0;  // seconds until that limit's window resets
};

/// Whether `want` fits every limit that applies to `model`; `state[i]` is limits[i]'s
/// bucket. All or nothing: a request that fits some limits and not others does not fit.
decision decide(std::span<const config::limit> limits,
                std::span<const bucket> state,
                const amounts& want,
                std::string_view model,
                std::int64_t now);

/// The most completion tokens that every applicable limit still allows on top of
/// `prompt_tokens` (what quota.on_missing_max_tokens: clamp sets); nullopt when no limit
/// bounds completion tokens. Never negative.
std::optional<std::int64_t> affordable_completion(std::span<const config::limit> limits,
                                                  std::span<const bucket> state,
                                                  std::int64_t prompt_tokens,
                                                  token_price price,
                                                  std::string_view model);

/// How many completion tokens to reserve. `wanted` is max_tokens × n (nullopt: none named).
/// Without `wanted`, or with `clamp`, it is what every limit still affords (nothing bounds
/// it: `cap`; never below 1, so that a consumer with nothing left is refused by decide()).
/// With `wanted` and no clamp, it is `wanted`.
std::int64_t completion_grant(std::span<const config::limit> limits,
                              std::span<const bucket> state,
                              std::int64_t prompt_tokens,
                              std::optional<std::int64_t> wanted,
                              bool clamp,
                              std::int64_t cap,
                              token_price price,
                              std::string_view model);

}  // namespace tollgate::quota

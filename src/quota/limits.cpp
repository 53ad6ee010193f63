#include "tollgate/quota/limits.hpp"

#include "tollgate/proxy/glob.hpp"
#include "tollgate/quota/window.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

namespace tollgate::quota {
namespace {

pico_usd per_token(double usd_per_million) {
    // 1 USD per million tokens = 1e12 pico-USD / 1e6 tokens = 1e6 pico-USD per token.
    return static_cast<pico_usd>(std::llround(usd_per_million * 1e6));
}

std::int64_t remaining(const config::limit& l, const bucket& b) noexcept {
    return ceiling_of(l) - b.used - b.reserved;
}

// A consumer's limit as the Admin API stored it; nullopt for one spelled `unlimited`.
std::optional<config::limit> limit_from_json(const nlohmann::json& j) {
    static constexpr std::pair<const char*, config::window> windows[] = {
        {"second", config::window::second},
        {"minute", config::window::minute},
        {"hour", config::window::hour},
        {"day", config::window::day},
        {"week", config::window::week},
        {"month", config::window::month},
    };
    static constexpr std::pair<const char*, config::metric> metrics[] = {
        {"tokens", config::metric::tokens},
        {"prompt_tokens", config::metric::prompt_tokens},
        {"completion_tokens", config::metric::completion_tokens},
        {"requests", config::metric::requests},
        {"cost_usd", config::metric::cost_usd},
    };
    config::limit l;
    const auto w = j.value("window", "minute");
    for (const auto& [name, value] : windows) {
        if (w == name) {
            l.per = value;
        }
    }
    for (const auto& [name, value] : metrics) {
        if (j.contains(name)) {
            l.what = value;
            if (!j[name].is_number()) {
                return std::nullopt;  // "unlimited" (the Admin API allows nothing else)
            }
            l.amount = j[name].get<double>();
        }
    }
    if (j.contains("models")) {
        l.models = j["models"].get<std::vector<std::string>>();
    }
    return l;
}

}  // namespace

token_price price_of(const config::config& cfg, std::string_view model) {
    const auto exact = cfg.pricing.find(std::string(model));
    const config::price* p = exact != cfg.pricing.end() ? &exact->second : nullptr;
    for (auto it = cfg.pricing.begin(); !p && it != cfg.pricing.end(); ++it) {
        if (proxy::glob_match(it->first, model)) {
            p = &it->second;
        }
    }
    return p ? token_price{per_token(p->input), per_token(p->output)} : token_price{};
}

amounts charge_for(std::int64_t prompt_tokens, std::int64_t completion_tokens, token_price p) {
    return {prompt_tokens,
            completion_tokens,
            1,
            prompt_tokens * p.input + completion_tokens * p.output};
}

std::int64_t amount_of(const amounts& a, config::metric m) noexcept {
    switch (m) {
        case config::metric::tokens:
            return a.prompt_tokens + a.completion_tokens;
        case config::metric::prompt_tokens:
            return a.prompt_tokens;
        case config::metric::completion_tokens:
            return a.completion_tokens;
        case config::metric::requests:
            return a.requests;
        case config::metric::cost_usd:
            return a.cost;
    }
    return 0;
}

std::int64_t ceiling_of(const config::limit& l) noexcept {
    if (l.what == config::metric::cost_usd) {
        return static_cast<std::int64_t>(
            std::llround(l.amount * static_cast<double>(pico_per_usd)));
    }
    return static_cast<std::int64_t>(std::floor(l.amount));
}

bool applies(const config::limit& l, std::string_view model) {
    if (l.models.empty()) {
        return true;
    }
    return std::any_of(l.models.begin(), l.models.end(), [model](const std::string& g) {
        return proxy::glob_match(g, model);
    });
}

std::vector<config::limit> limits_of(const config::config& cfg,
                                     const std::string& plan,
                                     const nlohmann::json& consumer_limits) {
    std::vector<config::limit> out;
    if (consumer_limits.is_array()) {
        for (const auto& j : consumer_limits) {
            if (auto l = limit_from_json(j)) {
                out.push_back(std::move(*l));
            }
        }
        return out;
    }
    auto it = cfg.plans.find(plan.empty() ? cfg.default_plan : plan);
    if (it == cfg.plans.end()) {
        it = cfg.plans.find(cfg.default_plan);
    }
    if (it != cfg.plans.end()) {
        out = it->second.limits;
    }
    return out;
}

decision decide(std::span<const config::limit> limits,
                std::span<const bucket> state,
                const amounts& want,
                std::string_view model,
                std::int64_t now) {
    for (std::size_t i = 0; i < limits.size() && i < state.size(); ++i) {
        const auto& l = limits[i];
        if (!applies(l, model)) {
            continue;
        }
        if (amount_of(want, l.what) > remaining(l, state[i])) {
            return {false, i, window_at(l.per, now).end - now};
        }
    }
    return {};
}

std::optional<std::int64_t> affordable_completion(std::span<const config::limit> limits,
                                                  std::span<const bucket> state,
                                                  std::int64_t prompt_tokens,
                                                  token_price price,
                                                  std::string_view model) {
    std::optional<std::int64_t> best;
    const auto bound = [&best](std::int64_t n) {
        n = std::max<std::int64_t>(n, 0);
        best = best ? std::min(*best, n) : n;
    };
    for (std::size_t i = 0; i < limits.size() && i < state.size(); ++i) {
        const auto& l = limits[i];
        if (!applies(l, model)) {
            continue;
        }
        const std::int64_t left = remaining(l, state[i]);
        switch (l.what) {
            case config::metric::tokens:
                bound(left - prompt_tokens);
                break;
            case config::metric::completion_tokens:
                bound(left);
                break;
            case config::metric::cost_usd:
                if (price.output > 0) {
                    const pico_usd after_prompt = left - prompt_tokens * price.input;
                    bound(after_prompt < 0 ? 0 : after_prompt / price.output);
                }
                break;
            case config::metric::prompt_tokens:
            case config::metric::requests:
                break;
        }
    }
    return best;
}

std::int64_t completion_grant(std::span<const config::limit> limits,
                              std::span<const bucket> state,
                              std::int64_t prompt_tokens,
                              std::optional<std::int64_t> wanted,
                              bool clamp,
                              std::int64_t cap,
                              token_price price,
                              std::string_view model) {
    if (wanted && !clamp) {
        return *wanted;
    }
    const auto afford = affordable_completion(limits, state, prompt_tokens, price, model);
    std::int64_t grant = wanted ? *wanted : cap;
    if (afford) {
        grant = std::min(grant, *afford);
    }
    return std::max<std::int64_t>(grant, 1);
}

}  // namespace tollgate::quota

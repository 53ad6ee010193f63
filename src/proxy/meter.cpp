#include "tollgate/proxy/meter.hpp"

#include "tollgate/core/error.hpp"
#include "tollgate/metering/estimate.hpp"
#include "tollgate/store/store.hpp"

#include <spdlog/spdlog.h>

namespace tollgate::proxy {
namespace {

constexpr std::int64_t max_completion = 1'000'000'000;
constexpr std::int64_t max_choices = 128;

// The field a request of `kind` names its completion limit with, when the gateway adds it.
std::string_view completion_field(api kind) {
    return kind == api::responses ? "max_output_tokens" : "max_tokens";
}

void expose(meter& m) {
    m.header_views.clear();
    for (const auto& h : m.headers) {
        m.header_views.push_back({h.name, h.value});
    }
}

}  // namespace

task<boost::system::error_code> reserve_quota(server::worker& w,
                                              const auth::key_facts& caller,
                                              const request_fields& fields,
                                              api kind,
                                              std::string_view request_id,
                                              std::string& body,
                                              meter& m) {
    const auto& cfg = w.rt().cfg;
    const std::vector<config::limit>* all = caller.own_limits.get();
    if (!all) {
        auto plan = cfg.plans.find(caller.plan.empty() ? cfg.default_plan : caller.plan);
        if (plan == cfg.plans.end()) {
            plan = cfg.plans.find(cfg.default_plan);
        }
        all = plan == cfg.plans.end() ? nullptr : &plan->second.limits;
    }
    if (!all) {
        co_return boost::system::error_code{};  // no plan, no limits: nothing to meter
    }
    for (const auto& l : *all) {
        if (quota::applies(l, fields.model)) {
            m.limits.push_back(l);
        }
    }
    if (m.limits.empty()) {
        co_return boost::system::error_code{};
    }
    const bool strict = cfg.quota.mode == config::admission::strict;
    m.prompt_estimate = strict ? metering::strict_prompt_bound(fields.prompt_bytes)
                               : metering::estimate_tokens(fields.prompt_bytes);
    m.price = quota::price_of(cfg, fields.model);
    store::reservation_request req;
    req.consumer = caller.consumer_id;
    req.request_id = std::string(request_id);
    req.model = fields.model;
    req.limits = m.limits;
    req.prompt_tokens = m.prompt_estimate;
    req.price = m.price;
    req.ttl_seconds = cfg.quota.reservation_ttl.count();
    req.completion_cap = static_cast<std::int64_t>(cfg.quota.default_max_tokens);
    if (kind == api::embeddings) {
        req.completion_tokens = 0;
    } else if (fields.max_tokens) {
        // Bounded before multiplying: a client's 1e18 must not overflow the arithmetic.
        req.completion_tokens = std::min<std::int64_t>(*fields.max_tokens, max_completion) *
                                std::min<std::int64_t>(fields.n, max_choices);
        req.clamp = cfg.quota.on_missing_max_tokens == config::missing_max_tokens::clamp;
    } else if (cfg.quota.on_missing_max_tokens == config::missing_max_tokens::reject) {
        co_return error::max_tokens_required;
    }
    const std::int64_t req_completion = req.completion_tokens.value_or(-1);
    auto r = co_await w.store().reserve(std::move(req));
    if (!r) {
        if (cfg.store.on_error == config::on_store_error::fail_open) {
            spdlog::warn("quota: store unavailable, request {} admitted unmetered (fail_open)",
                         request_id);
            co_return boost::system::error_code{};
        }
        co_return error::store_unavailable;
    }
    if (!r->fits) {
        m.headers.push_back(
            {"Retry-After", std::to_string(std::max<std::int64_t>(1, r->retry_after))});
        expose(m);
        co_return error::rate_limit_exceeded;
    }
    m.active = true;
    m.reserved_at = r->now;
    m.granted_completion = r->completion_tokens;
    m.headers = metering::ratelimit_headers(m.limits, r->after, r->resets_at, r->now);
    expose(m);
    if (kind != api::embeddings && (!fields.max_tokens || req_completion != r->completion_tokens)) {
        // Clamped, or no limit named: the upstream must not produce more than was reserved.
        const std::int64_t per_choice = std::max<std::int64_t>(
            1, r->completion_tokens / std::min<std::int64_t>(fields.n, max_choices));
        const std::string_view field =
            fields.max_tokens ? fields.max_tokens_field : completion_field(kind);
        metering::set_completion_limit(body, fields.max_tokens_raw, field, per_choice);
    }
    co_return boost::system::error_code{};
}

task<void> settle_quota(server::worker& w,
                        const auth::key_facts& caller,
                        std::string_view request_id,
                        unsigned upstream_status,
                        meter& m) {
    if (!m.active) {
        co_return;
    }
    m.active = false;
    const auto& reported = m.usage.reported();
    std::int64_t prompt = 0;
    std::int64_t completion = 0;
    if (upstream_status >= 200 && upstream_status < 300) {
        prompt = reported.prompt_tokens.value_or(m.prompt_estimate);
        completion = reported.completion_tokens.value_or(
            metering::estimate_tokens(m.usage.produced_text_bytes()));
    }  // else: the upstream refused or never answered; providers charge nothing for that
    const auto actual = quota::charge_for(prompt, completion, m.price);
    m.settled = actual;
    auto done = co_await w.store().settle(
        caller.consumer_id, std::string(request_id), m.limits, m.reserved_at, actual);
    if (!done) {
        // The reservation stays and is charged in full when it expires: never lost.
        spdlog::warn(
            "quota: settling request {} failed ({}); its reservation will expire "
            "charged in full",
            request_id,
            done.error().message());
    }
}

}  // namespace tollgate::proxy

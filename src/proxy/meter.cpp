#include "tollgate/proxy/meter.hpp"

#include "tollgate/core/error.hpp"
#include "tollgate/core/rfc3339.hpp"
#include "tollgate/metering/estimate.hpp"
#include "tollgate/metering/token_count.hpp"
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

// The tokens of the text a response produced, per choice: counted with the model's
// tokenizer, or estimated at 4 bytes per token without one.
std::int64_t count_produced(const metering::usage_tap& usage,
                            const tokens::encoding* enc,
                            const metering::tokenizers& t) {
    if (enc == nullptr) {
        return metering::estimate_tokens(usage.produced_text_bytes());
    }
    metering::text_counter counter(*enc, t.special_mode(), t.max_bytes());
    for (const auto& text : usage.produced_text()) {
        counter.add_text(text);
    }
    return counter.tokens() + metering::estimate_tokens(usage.produced_bytes_not_kept());
}

void expose(meter& m) {
    m.header_views.clear();
    m.header_views.reserve(m.headers.size());
    for (const auto& h : m.headers) {
        m.header_views.push_back({h.name, h.value()});
    }
}

using error_code = boost::system::error_code;

// The caller's own limits, else its plan's (an unknown plan: the default plan's); null when
// there are none.
const std::vector<config::limit>* limits_of_caller(const config::config& cfg,
                                                   const auth::key_facts& caller) {
    if (const auto* own = caller.own_limits.get()) {
        return own;
    }
    auto plan = cfg.plans.find(caller.plan.empty() ? cfg.default_plan : caller.plan);
    if (plan == cfg.plans.end()) {
        plan = cfg.plans.find(cfg.default_plan);
    }
    return plan == cfg.plans.end() ? nullptr : &plan->second.limits;
}

// Before the store is asked: the consumer's limits for the model, the prompt's count, the
// price and the completion allowance, into `m`. False when nothing is to be reserved:
// `refused` then says whether the request is refused (max_tokens_required) or not metered.
// A plain function, so that its work stays off reserve_quota's coroutine frame.
bool plan_reservation(server::worker& w,
                      const auth::key_facts& caller,
                      const request_fields& fields,
                      api kind,
                      meter& m,
                      error_code& refused) {
    const auto& cfg = w.rt().cfg;
    const std::vector<config::limit>* all = limits_of_caller(cfg, caller);
    if (!all) {
        return false;  // no plan, no limits: nothing to meter
    }
    for (const auto& l : *all) {
        if (quota::applies(l, fields.model)) {
            m.limits.push_back(l);
        }
    }
    if (m.limits.empty()) {
        return false;
    }
    const auto& tokenizers = *w.rt().tokenizers;
    m.encoding = tokenizers.for_model(fields.model);
    if (cfg.quota.mode == config::admission::strict) {
        // Bytes bound whatever tokenizer the upstream really uses (docs/METERING.md).
        m.prompt_estimate = metering::strict_prompt_bound(fields.prompt_bytes);
    } else if (m.precounted_prompt) {
        m.prompt_counted = *m.precounted_prompt >= 0;
        m.prompt_estimate = m.prompt_counted ? *m.precounted_prompt
                                             : metering::estimate_tokens(fields.prompt_bytes);
    } else if (m.encoding != nullptr) {
        metering::text_counter counter(
            *m.encoding, tokenizers.special_mode(), tokenizers.max_bytes(), &w.count_cache());
        metering::count_prompt(fields.prompt, counter);
        m.prompt_estimate = counter.tokens();
        m.prompt_counted = true;
    } else {
        m.prompt_estimate = metering::estimate_tokens(fields.prompt_bytes);
    }
    m.usage.keep_text(m.encoding != nullptr ? tokenizers.max_bytes() : 0);
    m.price = quota::price_of(cfg, fields.model);
    if (kind == api::embeddings) {
        m.asked_completion = 0;
    } else if (fields.max_tokens) {
        // Bounded before multiplying: a client's 1e18 must not overflow the arithmetic.
        m.asked_completion = std::min<std::int64_t>(*fields.max_tokens, max_completion) *
                             std::min<std::int64_t>(fields.n, max_choices);
        m.clamp = cfg.quota.on_missing_max_tokens == config::missing_max_tokens::clamp;
    } else if (cfg.quota.on_missing_max_tokens == config::missing_max_tokens::reject) {
        refused = error::max_tokens_required;
        return false;
    }
    return true;
}

// What the store is asked, written into `req` (assigned member by member, so that a reused
// request keeps its strings' and vector's capacity).
void fill_reservation(store::reservation_request& req,
                      const server::worker& w,
                      const auth::key_facts& caller,
                      const request_fields& fields,
                      std::string_view request_id,
                      const meter& m) {
    const auto& cfg = w.rt().cfg;
    req.consumer = caller.consumer_id;
    req.request_id = request_id;
    req.model = fields.model;
    req.limits = m.limits;
    req.prompt_tokens = m.prompt_estimate;
    req.price = m.price;
    req.ttl_seconds = cfg.quota.reservation_ttl.count();
    req.lease = {static_cast<std::int64_t>(cfg.quota.lease.requests),
                 static_cast<std::int64_t>(cfg.quota.lease.share),
                 cfg.quota.lease.max_age.count()};
    req.completion_cap = static_cast<std::int64_t>(cfg.quota.default_max_tokens);
    req.completion_tokens = m.asked_completion;
    req.clamp = m.clamp;
}

// The store's answer, on the request: 429 with Retry-After when it does not fit; otherwise
// the rate-limit headers, and the body edited so the upstream produces no more than granted
// (and reports a stream's usage).
error_code admit(const store::reservation_result& r,
                 const request_fields& fields,
                 api kind,
                 std::string& body,
                 meter& m) {
    if (!r.fits) {
        m.headers.emplace_back("Retry-After", std::max<std::int64_t>(1, r.retry_after));
        expose(m);
        return error::rate_limit_exceeded;
    }
    m.active = true;
    m.reserved_at = r.now;
    m.granted_completion = r.completion_tokens;
    metering::ratelimit_headers(m.limits, r.after, r.resets_at, r.now, m.headers);
    expose(m);
    std::vector<metering::body_edit> edits;
    if (kind != api::embeddings &&
        (!fields.max_tokens || m.asked_completion.value_or(-1) != r.completion_tokens)) {
        // Clamped, or no limit named: the upstream must not produce more than was reserved.
        const std::int64_t per_choice = std::max<std::int64_t>(
            1, r.completion_tokens / std::min<std::int64_t>(fields.n, max_choices));
        // The client's member is replaced (a null one too), never added beside it.
        const std::string_view field =
            !fields.max_tokens_field.empty() ? fields.max_tokens_field : completion_field(kind);
        edits.push_back(
            metering::completion_limit_edit(body, fields.max_tokens_raw, field, per_choice));
    }
    if (!fields.superseded_limit.empty()) {
        // A competing limit the upstream might read instead: gone, so both read the same.
        edits.push_back(metering::remove_member_edit(body, fields.superseded_limit));
    }
    if (fields.n > max_choices && !fields.n_raw.empty()) {
        // What was reserved is for max_choices choices: that is what the upstream gets.
        edits.push_back({static_cast<std::size_t>(fields.n_raw.data() - body.data()),
                         fields.n_raw.size(),
                         std::to_string(max_choices)});
    }
    if (fields.stream && !fields.include_usage &&
        (kind == api::chat_completions || kind == api::completions)) {
        // Without it an OpenAI stream reports no usage; its extra chunk is removed on the way
        // back (usage_chunk_filter), so the client sees the stream it asked for.
        edits.push_back(metering::include_usage_edit(
            body, fields.stream_options_raw, fields.include_usage_raw));
        m.asked_for_usage = true;
    }
    if (!edits.empty()) {
        metering::apply_edits(body, std::move(edits));
    }
    return {};
}

// Asks `s` for the reservation. A coroutine of its own, so that the request built for the
// store stays off reserve_quota's frame (Asio recycles frames only up to 1,020 bytes).
task<result<store::reservation_result>> ask(store::store& s,
                                            const server::worker& w,
                                            const auth::key_facts& caller,
                                            const request_fields& fields,
                                            std::string_view request_id,
                                            const meter& m) {
    store::reservation_request req;
    fill_reservation(req, w, caller, fields, request_id, m);
    co_return co_await s.reserve(std::move(req));
}

// The store did not answer a reservation: true when the request is to be metered locally
// instead (fail_open). A plain function, to keep reserve_quota's coroutine frame small.
bool store_failed(server::worker& w,
                  const auth::key_facts& caller,
                  std::string_view request_id,
                  const meter& m,
                  const error_code& failure) {
    if (failure == error::store_timeout) {
        // The script may have run with its answer lost: release what it may hold (a
        // settlement of nothing; retried until the store answers, a no-op if nothing is held).
        quota::amounts nothing;
        nothing.requests = 0;
        w.defer_charge(
            {true, caller.consumer_id, std::string(request_id), m.limits, unix_now(), nothing});
    }
    if (w.rt().cfg.store.on_error != config::on_store_error::fail_open || !w.fallback_store()) {
        return false;
    }
    // Served and metered here; the charge reaches the store when it returns (settle_quota).
    // The limits are enforced on what this instance served while the store was down.
    spdlog::warn("quota: store unavailable, request {} metered locally (fail_open)", request_id);
    return true;
}

// The most completion a settlement charges: `ratio` times what was granted (and written into
// the body as its limit), plus a few tokens of slack. The prompt is not bounded: state the
// upstream keeps (previous_response_id, cached context) may rightly make it larger than the
// count of what this request carried.
std::int64_t completion_bound(double ratio, const meter& m) {
    constexpr double slack = 16;
    return static_cast<std::int64_t>(static_cast<double>(m.granted_completion) * ratio + slack);
}

// What settling `m` charges, from the answer's usage (or the count of what was produced).
quota::amounts settlement_of(server::worker& w, unsigned upstream_status, meter& m) {
    if (m.superseded) {
        quota::amounts nothing;  // not even the request: the fallback's try counts it
        nothing.requests = 0;
        m.count_source = "upstream";
        return nothing;
    }
    const auto& reported = m.usage.reported();
    std::int64_t prompt = 0;
    std::int64_t completion = 0;
    m.count_source = "upstream";
    if (upstream_status >= 200 && upstream_status < 300) {
        prompt = reported.prompt_tokens.value_or(m.prompt_estimate);
        if (reported.completion_tokens) {
            completion = *reported.completion_tokens;
        } else {
            completion = count_produced(m.usage, m.encoding, *w.rt().tokenizers);
        }
        if (!reported.completion_tokens || !reported.prompt_tokens) {
            const bool counted =
                m.encoding != nullptr && (reported.prompt_tokens || m.prompt_counted);
            m.count_source = counted ? "local" : "estimate";
        }
        m.usage_flag = reported.invalid ? "invalid" : "";
        if (const auto most = completion_bound(w.rt().cfg.quota.max_usage_ratio, m);
            completion > most) {
            completion = most;
            m.usage_flag = reported.invalid ? "invalid,clamped" : "clamped";
        }
    }  // else: the upstream refused or never answered; providers charge nothing for that
    return quota::charge_for(prompt, completion, m.price);
}

// What the backlog would retry; built only when needed (its copies cost per request).
server::pending_charge pending(const auth::key_facts& caller,
                               std::string_view request_id,
                               const meter& m,
                               bool settles) {
    return server::pending_charge{
        settles, caller.consumer_id, std::string(request_id), m.limits, m.reserved_at, m.settled};
}

// After the store answered a settlement: a failure is retried until the store takes it; if
// it never does, the reservation expires charged in full. Never lost.
void settled(server::worker& w,
             const auth::key_facts& caller,
             std::string_view request_id,
             const meter& m,
             const result<bool>& done) {
    if (!done) {
        spdlog::warn("quota: settling request {} failed ({}); retrying in the background",
                     request_id,
                     done.error().message());
        w.defer_charge(pending(caller, request_id, m, true));
    }
}

}  // namespace

// Member by member: a new meter assigned over this one cost ~2k instructions (its tap, filter
// and store request built, moved and destroyed) and dropped the buffers.
void meter::reset() {
    active = false;
    local = false;
    settling = false;
    superseded = false;
    limits.clear();
    reserved_at = 0;
    prompt_estimate = 0;
    encoding = nullptr;
    prompt_counted = false;
    precounted_prompt.reset();
    count_source = {};
    usage_flag = {};
    asked_completion.reset();
    clamp = false;
    granted_completion = 0;
    price = {};
    headers.clear();
    header_views.clear();
    usage.reset();
    asked_for_usage = false;
    usage_chunk.reset();
    settled = {};
    // request and answer: overwritten member by member when used.
}

bool wants_offloaded_count(server::worker& w,
                           const auth::key_facts& caller,
                           const request_fields& fields) {
    const auto& cfg = w.rt().cfg;
    const std::size_t threshold = cfg.tokenizer.offload_bytes;
    if (threshold == 0 || fields.prompt_bytes < threshold || w.counting() == nullptr ||
        cfg.quota.mode != config::admission::estimate ||
        w.rt().tokenizers->for_model(fields.model) == nullptr) {
        return false;
    }
    const auto* all = limits_of_caller(cfg, caller);
    return all != nullptr && std::any_of(all->begin(), all->end(), [&](const config::limit& l) {
               return quota::applies(l, fields.model);
           });
}

std::optional<boost::system::error_code> reserve_quota_now(server::worker& w,
                                                           const auth::key_facts& caller,
                                                           const request_fields& fields,
                                                           api kind,
                                                           std::string_view request_id,
                                                           std::string& body,
                                                           meter& m) {
    error_code refused;
    if (!plan_reservation(w, caller, fields, kind, m, refused)) {
        return refused;
    }
    // The request is built in the meter, whose strings and vector keep their capacity.
    fill_reservation(m.request, w, caller, fields, request_id, m);
    if (!w.store().reserve_now(m.request, m.answer)) {
        return std::nullopt;  // to be awaited
    }
    return admit(m.answer, fields, kind, body, m);
}

task<boost::system::error_code> reserve_quota(server::worker& w,
                                              const auth::key_facts& caller,
                                              const request_fields& fields,
                                              api kind,
                                              std::string_view request_id,
                                              std::string& body,
                                              meter& m) {
    auto r = co_await ask(w.store(), w, caller, fields, request_id, m);
    if (!r && store_failed(w, caller, request_id, m, r.error())) {
        r = co_await ask(*w.fallback_store(), w, caller, fields, request_id, m);
        m.local = true;
    }
    if (!r) {
        co_return error::store_unavailable;
    }
    co_return admit(*r, fields, kind, body, m);
}

bool settle_quota_now(server::worker& w,
                      const auth::key_facts& caller,
                      std::string_view request_id,
                      unsigned upstream_status,
                      meter& m) {
    if (!m.active) {
        return true;
    }
    m.active = false;
    m.settling = true;
    m.settled = settlement_of(w, upstream_status, m);
    store::store& s = m.local ? *w.fallback_store() : w.store();
    const auto done = s.settle_now(caller.consumer_id, request_id, m.reserved_at, m.settled);
    if (!done) {
        return false;
    }
    m.settling = false;
    if (m.local) {
        w.defer_charge(pending(caller, request_id, m, false));  // a charge, once per id
    } else {
        settled(w, caller, request_id, m, *done);
    }
    return true;
}

task<void> settle_quota(server::worker& w,
                        const auth::key_facts& caller,
                        std::string_view request_id,
                        meter& m) {
    if (!m.settling) {
        co_return;
    }
    m.settling = false;
    store::store& s = m.local ? *w.fallback_store() : w.store();
    std::string id(request_id);  // a named local: GCC 12 and temporaries in co_await calls
    auto done =
        co_await s.settle(caller.consumer_id, std::move(id), m.limits, m.reserved_at, m.settled);
    if (m.local) {
        w.defer_charge(pending(caller, request_id, m, false));  // a charge, once per id
    } else {
        settled(w, caller, request_id, m, done);
    }
}

}  // namespace tollgate::proxy

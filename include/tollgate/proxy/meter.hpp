// Metering of one proxied request: reserve before forwarding (429 when it does not fit;
// the completion limit clamped in the body), read the usage from the answer as it is
// relayed, settle after — also when the client left or the upstream failed. Runs on the
// session's worker; the store calls are awaited, never blocking.
#pragma once

#include "tollgate/auth/key_cache.hpp"
#include "tollgate/core/net.hpp"
#include "tollgate/metering/admission.hpp"
#include "tollgate/metering/usage_chunk_filter.hpp"
#include "tollgate/metering/usage_tap.hpp"
#include "tollgate/proxy/framing.hpp"
#include "tollgate/proxy/request_body.hpp"
#include "tollgate/proxy/route.hpp"
#include "tollgate/server/worker.hpp"
#include "tollgate/store/store.hpp"

#include <optional>
#include <string>
#include <vector>

#include <boost/system/error_code.hpp>

namespace tollgate::proxy {

/// One request's metering. A connection keeps one and reset()s it per request, so its vectors
/// keep their capacity (a metered request allocates less).
struct meter {
    /// Back to a fresh meter's state, keeping the vectors' capacity. Member by member: a new
    /// member must be reset there too (tests/integration/meter_reset_test.cpp).
    void reset();

    bool active = false;      // a reservation is held and must be settled
    bool local = false;       // held in the fail_open fallback (the store was down): settled there
                              // and charged to the store later
    bool settling = false;    // settle_quota_now() left the store's answer to settle_quota()
    bool superseded = false;  // a fallback takes the request over: this try charges nothing
    std::vector<config::limit> limits;  // the consumer's limits for the request's model
    std::int64_t reserved_at = 0;
    std::int64_t prompt_estimate = 0;
    const tokens::encoding* encoding = nullptr;  // the model's tokenizer; null: the estimator
    bool prompt_counted = false;  // prompt_estimate is the tokenizer's count, not bytes / 4
    // A large prompt's count, made on the count pool before reserving (-1: it failed).
    std::optional<std::int64_t> precounted_prompt;
    // Where the settled numbers came from, for the access log: "upstream" (reported usage),
    // "local" (counted here with the tokenizer), "estimate" (bytes / 4).
    std::string_view count_source;
    // "invalid": a reported number was no count (that field counted here); "clamped": more
    // than quota.max_usage_ratio times the reservation was reported; empty: neither.
    std::string_view usage_flag;
    std::optional<std::int64_t> asked_completion;  // max_tokens × n; nullopt: none named
    bool clamp = false;                            // the store may grant fewer than asked
    std::int64_t granted_completion = 0;
    quota::token_price price;
    std::vector<metering::header> headers;  // x-ratelimit-*, Retry-After
    std::vector<header_view> header_views;  // views of `headers` for the response head
    metering::usage_tap usage;
    bool asked_for_usage = false;  // the gateway added include_usage: its chunk is removed
    metering::usage_chunk_filter usage_chunk;
    quota::amounts settled;              // what settle_quota charged (for the access log)
    store::reservation_request request;  // what the store is asked, reused
    store::reservation_result answer;    // what a store answering at once said, reused
};

/// Whether the prompt of a request `caller` makes is large enough, and metered, to be counted
/// on the count pool (tokenizer.offload_bytes) rather than inline by reserve_quota_now().
bool wants_offloaded_count(server::worker& w,
                           const auth::key_facts& caller,
                           const request_fields& fields);

/// Reserves for the request (rewriting `body`'s completion limit when clamped, and asking an
/// OpenAI stream for its usage when the client did not), when the store answers at once (the
/// memory store): no coroutine. Returns the outcome: {} admitted; rate_limit_exceeded or
/// max_tokens_required to refuse (`m.headers` then carry what the refusal should say); or
/// nullopt when reserve_quota() is to be awaited for it.
std::optional<boost::system::error_code> reserve_quota_now(server::worker& w,
                                                           const auth::key_facts& caller,
                                                           const request_fields& fields,
                                                           api kind,
                                                           std::string_view request_id,
                                                           std::string& body,
                                                           meter& m);

/// The reservation reserve_quota_now() left to the store's answer (Redis): awaits it, with
/// the fail_open fallback. Also store_unavailable to refuse.
task<boost::system::error_code> reserve_quota(server::worker& w,
                                              const auth::key_facts& caller,
                                              const request_fields& fields,
                                              api kind,
                                              std::string_view request_id,
                                              std::string& body,
                                              meter& m);

/// Replaces the reservation by the usage read from the answer (or, without reported usage,
/// the estimate of what was produced), when the store answers at once. `upstream_status` 0:
/// no answer came. False when settle_quota() is to be awaited for it.
bool settle_quota_now(server::worker& w,
                      const auth::key_facts& caller,
                      std::string_view request_id,
                      unsigned upstream_status,
                      meter& m);

/// The settlement settle_quota_now() left to the store's answer.
task<void> settle_quota(server::worker& w,
                        const auth::key_facts& caller,
                        std::string_view request_id,
                        meter& m);

}  // namespace tollgate::proxy

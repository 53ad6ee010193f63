// forward(): one request to one upstream and its response relayed to the client piece by
// piece (never buffered whole), every body byte shown to a tap. Runs on the session's worker.
#pragma once

#include "tollgate/core/stream.hpp"
#include "tollgate/proxy/event_counter.hpp"
#include "tollgate/proxy/framing.hpp"
#include "tollgate/proxy/relay_clock.hpp"
#include "tollgate/proxy/response_head.hpp"
#include "tollgate/proxy/tap.hpp"
#include "tollgate/server/worker.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/error_code.hpp>

namespace tollgate::proxy {

/// Buffers an exchange writes into, owned by the client connection so that their capacity
/// is reused by its next requests.
struct exchange_scratch {
    std::string upstream_head;
    std::string client_head;
    // The response head's fields: views into the upstream connection's buffer, valid only
    // until the head has been turned into the client's.
    std::vector<header_view> response_fields;
    // Here rather than in forward()'s coroutine frame, which Asio recycles only up to 1,020
    // bytes.
    std::optional<response_head> response;
    std::string decoded;  // a chunked response's payload, piece by piece
    relay_clock clock;    // the body relay's deadlines (here for the same reason)
};

struct exchange_request {
    std::string_view method;
    std::string_view target;
    std::string_view request_id;
    std::span<const header_view> fields;
    std::string_view body;
    bool client_http11 = true;
    bool client_keep_alive = true;
    std::chrono::milliseconds send_timeout{60'000};   // each write to the client
    exchange_scratch* scratch = nullptr;              // required
    std::string_view consumer_id;                     // the authenticated caller, for X-Consumer-ID
    std::string_view key_id;                          // and X-Key-ID
    std::span<const header_view> extra_headers = {};  // the gateway's own, for the client
    body_filter* filter = nullptr;  // applied to a 2xx event stream that is not length-framed
    // Failures not to relay, because a fallback upstream may take the request (null: none).
    const config::failure_set* keep_back = nullptr;
    // The data events of the answer, counted as they pass: each one restarts the upstream's
    // max_event_gap (null: the gap is not watched).
    const event_counter* events = nullptr;
};

/// The upstream a request goes to, and this worker's traffic state for it.
struct upstream_choice {
    upstream::traffic& traffic;
    std::size_t index;  // into runtime::upstreams
    const server::upstream_runtime& group;
};

struct exchange_result {
    bool head_sent = false;        // false: nothing reached the client; the caller answers `ec`
    unsigned status = 0;           // upstream status relayed, when head_sent
    std::uint64_t bytes_out = 0;   // body bytes relayed
    boost::system::error_code ec;  // the failure, if any (upstream or client side)
    bool keep_alive = false;       // the client connection may carry another request
    unsigned attempts = 0;         // tries on the upstream's endpoints
    std::string_view endpoint;     // the URL of the endpoint that served, or failed last
    bool may_fall_back = false;    // failed before anything was relayed, as keep_back names
    std::chrono::microseconds upstream_time{0};   // from the first try's start to the relay's end
    std::chrono::microseconds upstream_ttfb{-1};  // the last try's: sent to response head
};

/// Forwards `req` to an endpoint of `up` and relays the answer to `client`. `tap` may be
/// null. Picks the endpoint with the upstream's balancer (waiting up to queue_timeout when all
/// are at their caps: upstream_overloaded), and retries on another endpoint, within
/// upstreams[].retries and its budget, what failed before any byte reached the client. The
/// session's `entry` carries the deadlines (upstream phases; client writes) and, in its
/// watcher, the upstream socket in flight, so the worker's tick or a client hang-up can abort
/// it.
task<exchange_result> forward(stream& client,
                              server::worker& w,
                              upstream_choice up,
                              const exchange_request& req,
                              body_tap* tap,
                              server::session_entry& entry);

}  // namespace tollgate::proxy

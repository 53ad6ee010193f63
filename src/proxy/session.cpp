#include "tollgate/proxy/session.hpp"

#include "tollgate/core/error.hpp"
#include "tollgate/metering/admission.hpp"
#include "tollgate/proxy/authenticate.hpp"
#include "tollgate/proxy/client_watch.hpp"
#include "tollgate/proxy/event_counter.hpp"
#include "tollgate/proxy/exchange.hpp"
#include "tollgate/proxy/http_head.hpp"
#include "tollgate/proxy/meter.hpp"
#include "tollgate/proxy/read_request.hpp"
#include "tollgate/proxy/request_body.hpp"
#include "tollgate/proxy/responses.hpp"
#include "tollgate/proxy/route.hpp"
#include "tollgate/server/access_log.hpp"
#include "tollgate/server/count_pool.hpp"

#include <array>
#include <chrono>
#include <memory_resource>

#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

namespace tollgate::proxy {
namespace {

using error_code = boost::system::error_code;
using std::chrono::milliseconds;

// A request answered faster than this never costs a syscall for disconnect watching.
constexpr milliseconds watch_delay{50};
// After refusing a request whose body we did not read: how long to drain the client.
constexpr milliseconds linger_time{2000};

// The models `caller` may use (all, when auth is off or the key has no allowlist).
std::string models_body(const server::runtime& rt, const auth::key_facts* caller) {
    std::string out = R"({"object":"list","data":[)";
    bool first = true;
    for (const auto& m : rt.router.literal_models()) {
        if (caller && check_model(*caller, m)) {
            continue;
        }
        out += first ? "" : ",";
        first = false;
        out += R"({"id":)";
        append_json_string(out, m);
        out += R"(,"object":"model","created":0,"owned_by":)";
        append_json_string(out, rt.upstreams[*rt.router.find(m)].cfg.name);
        out += "}";
    }
    return out + "]}";
}

// An overloaded upstream's answer says when to come back.
std::span<const header_view> overload_headers(const error_code& ec) {
    static constexpr header_view retry_after[] = {{"Retry-After", "1"}};
    if (ec == error::upstream_overloaded) {
        return retry_after;
    }
    return {};
}

// How a metered request's admission ended, for /metrics.
metrics::admission admission_of(const error_code& refused, const meter& m) {
    if (refused == error::rate_limit_exceeded) {
        return metrics::admission::quota_exceeded;
    }
    if (refused == error::store_unavailable) {
        return metrics::admission::store_unavailable;
    }
    if (refused) {
        return metrics::admission::refused;
    }
    if (!m.active) {
        return metrics::admission::none;  // the consumer's limits do not count this model
    }
    const bool clamped = m.asked_completion && m.granted_completion < *m.asked_completion;
    return clamped ? metrics::admission::clamped : metrics::admission::admitted;
}

// The client's X-Request-ID when it is usable, else a fresh one; written into `id`.
void request_id_of(const incoming_request* in, server::worker& w, std::string& id) {
    if (in) {
        for (const auto& f : in->fields) {
            if (iequals(f.name, "x-request-id") && is_valid_request_id(f.value)) {
                id.assign(f.value);
                return;
            }
        }
    }
    w.next_request_id(id);
}

// One client connection: the keep-alive loop and what each request needs. Lives in the
// run_session frame; its member coroutines are always awaited from there.
class connection {
public:
    connection(stream s, server::worker& w) : io_(std::move(s)), w_(w) {
        entry_.io = &io_;
        entry_.watcher = std::make_shared<client_watch>(io_.socket());
        w_.add(&entry_);
    }
    ~connection() {
        forget_parsers();
        entry_.watcher->detach();
        w_.remove(&entry_);
    }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    task<void> run();

private:
    struct request {
        explicit request(incoming_request& i) : in(i) {}
        incoming_request& in;
        server::access_record log;
        std::shared_ptr<const auth::key_facts> caller;  // null when auth is off
        bool keep_alive = false;
        milliseconds send_timeout{};
    };

    // The request parser's header fields live in arena_: it goes before the arena is
    // released or destroyed.
    void forget_parsers() { in_.parser.reset(); }
    task<bool> await_request(milliseconds timeout);
    task<bool> serve_one();
    // Records an authentication outcome on the request; false when it is a refusal.
    bool accept(request& r, auth_outcome& outcome);
    task<bool> proxy(request& r);
    task<exchange_result> exchange_with(request& r,
                                        const std::shared_ptr<const server::runtime>& rt,
                                        std::size_t upstream,
                                        const config::failure_set* keep_back,
                                        std::optional<bool>& served);
    error_code route(request& r, const server::runtime& rt, std::size_t& upstream);
    error_code rescan(request& r, const server::runtime& rt);
    bool fall_back(request& r, const server::runtime& rt, const config::fallback_config& to);
    body_tap* prepare_exchange(request& r, meter* m);
    task<error_code> reply(request& r,
                           unsigned status,
                           std::string_view body,
                           std::span<const header_view> extra = {});
    task<error_code> reply_error(request& r,
                                 const error_code& ec,
                                 std::span<const header_view> extra = {});
    task<void> linger_close();
    task<void> fail(request& r, error_code ec);
    task<void> precount_prompt(meter& m);
    task<bool> refuse(request& r, error_code refused, bool body_read);

    stream io_;
    server::worker& w_;
    server::session_entry entry_;
    beast::flat_buffer buf_;
    incoming_request in_;       // reused: the body and field views keep their capacity
    exchange_scratch scratch_;  // reused by each exchange
    std::string reply_head_;
    std::string request_id_;      // of the request in flight
    std::string reservation_id_;  // its quota reservation's (metered requests)
    std::string original_body_;   // as the client sent it, when a fallback may re-send it
    auth::key_memo key_memo_;     // the last key presented here, hashed once
    // The request in flight's state, here rather than in coroutine frames and reused: Asio
    // recycles a frame only up to 1,020 bytes (larger ones cost an aligned malloc each), and
    // the meter's vectors keep their capacity.
    std::optional<request> current_;
    request_fields fields_;
    meter meter_;
    event_counter counter_;
    std::optional<tap_pair> taps_;
    exchange_request exchange_;
    // Header fields of the request in flight (ours and the upstream's); reset per request.
    std::array<std::byte, 8192> arena_memory_;
    std::pmr::monotonic_buffer_resource arena_{arena_memory_.data(), arena_memory_.size()};
};

task<void> connection::run() {
    const auto limits = w_.rt().cfg.server.limits;
    bool ok = true;
    if (auto* tls = io_.tls()) {
        entry_.client.arm(limits.header_timeout);
        auto [ec] =
            co_await tls->async_handshake(net::ssl::stream_base::server, use_nothrow_awaitable);
        entry_.client.disarm();
        ok = !ec;
    }
    for (bool first = true; ok && !w_.draining(); first = false) {
        entry_.idle = true;
        if (!co_await await_request(first ? limits.header_timeout
                                          : w_.rt().cfg.server.limits.idle_timeout)) {
            break;
        }
        entry_.idle = false;
        ok = co_await serve_one();
    }
    error_code ignored;
    io_.socket().shutdown(net::socket_base::shutdown_both, ignored);
}

// Waits for the first byte of the next request; false if the client left, the wait timed out
// or a drain cancelled it.
task<bool> connection::await_request(milliseconds timeout) {
    if (buf_.size() > 0) {
        co_return true;
    }
    entry_.client.arm(timeout);
    auto [ec, n] = co_await io_.async_read_some(buf_.prepare(4096), use_nothrow_awaitable);
    entry_.client.disarm();
    buf_.commit(n);
    co_return !ec;
}

// Serves one request; false when the connection must close afterwards.
task<bool> connection::serve_one() {
    const auto started = std::chrono::steady_clock::now();
    const auto limits = w_.rt().cfg.server.limits;
    forget_parsers();
    arena_.release();  // the previous request's headers went with its parser
    request& r = current_.emplace(in_);
    r.send_timeout = limits.send_timeout;
    error_code ec = co_await read_request_head(io_, buf_, limits, entry_.client, arena_, r.in);
    // Usually the body came with the head; else it is read once the key has been checked.
    const bool body_buffered = !ec && take_buffered_body(buf_, r.in);
    entry_.client.disarm();
    if (ec && ec.category() != error_category()) {
        co_return false;  // the client left or the socket failed: nothing to answer
    }
    const bool has_head = r.in.parser->done();
    request_id_of(has_head ? &r.in : nullptr, w_, request_id_);
    r.log.request_id = request_id_;
    if (has_head) {
        r.log.method = r.in.head().method_string();
        r.log.path = path_of(r.in.head().target());
    }
    // Route, then authenticate (inline: a warm key costs no coroutine frame; the store is
    // awaited only on a cache miss), then read the body if it did not come with the head (a
    // refused caller uploads nothing, and hears no 100 Continue), then answer the model list
    // here or proxy. (Few co_await sites: each one's awaiter has its own slot in the frame.)
    std::optional<api> kind;
    error_code refused;
    if (!ec) {
        r.keep_alive = r.in.head().keep_alive() && !w_.draining();
        kind = classify(r.in.head().method_string(), r.in.head().target());
        if (kind) {
            r.log.route = name_of(*kind);
        }
        if (!kind) {
            refused = error::no_route;
            r.log.error = "no route";
        } else if (w_.rt().cfg.auth.enabled) {
            auto attempt = authenticate_cached(w_, r.in.fields, key_memo_);
            auth_outcome outcome;
            if (attempt.needs_store) {
                outcome = co_await authenticate_with_store(w_, std::move(attempt));
            } else {
                outcome = std::move(attempt.outcome);
            }
            if (!accept(r, outcome)) {
                refused = outcome.ec;
            }
        }
        if (!refused && !body_buffered) {
            ec = co_await read_request_body(io_, buf_, limits, entry_.client, r.in);
            entry_.client.disarm();
            if (ec && ec.category() != error_category()) {
                co_return false;  // the client left while sending its body
            }
        }
        r.log.bytes_in = r.in.body.size();
    }
    bool keep_alive = false;
    if (ec) {
        co_await fail(r, ec);
    } else if (refused) {
        keep_alive = co_await refuse(r, refused, body_buffered);
    } else if (*kind == api::list_models) {
        keep_alive = !co_await reply(r, 200, models_body(w_.rt(), r.caller.get())) && r.keep_alive;
    } else {
        keep_alive = co_await proxy(r);
    }
    r.log.latency = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    w_.log_access(r.log);
    if (in_.body.capacity() > 64 * 1024) {
        in_.body = std::string();  // do not keep a large prompt's buffer for the connection's life
    }
    co_return keep_alive && !w_.draining();
}

// A large prompt, counted on the count pool. The snapshot is held: the encoding must outlive
// the count, whatever a reload does meanwhile.
task<void> connection::precount_prompt(meter& m) {
    const auto rt = w_.snapshot();
    const auto& tokenizers = *rt->tokenizers;
    m.precounted_prompt = co_await w_.counting()->count(fields_.prompt,
                                                        *tokenizers.for_model(fields_.model),
                                                        tokenizers.special_mode(),
                                                        tokenizers.max_bytes());
    spdlog::debug("a prompt of {} bytes counted off the io thread: {} tokens",
                  fields_.prompt_bytes,
                  *m.precounted_prompt);
}

// A request that cannot be read: answered, then the connection closes (what the client may
// still be sending is drained a moment so that it reads the answer).
task<void> connection::fail(request& r, error_code ec) {
    r.log.error = ec.message();
    r.keep_alive = false;  // Connection: close
    co_await reply_error(r, ec);
    co_await linger_close();
}

// A refused caller; true when the connection may carry another request. A body not read is
// still on the wire, so then it cannot.
task<bool> connection::refuse(request& r, error_code refused, bool body_read) {
    r.keep_alive = r.keep_alive && body_read;
    const bool keep_alive = !co_await reply_error(r, refused) && r.keep_alive;
    if (!body_read) {
        co_await linger_close();
    }
    co_return keep_alive;
}

// Records who called; false when the outcome is a refusal.
bool connection::accept(request& r, auth_outcome& outcome) {
    r.log.key_prefix = outcome.key_prefix;
    if (outcome.ec) {
        r.log.error = outcome.ec.message();
        return false;
    }
    r.caller = std::move(outcome.facts);
    if (r.caller) {
        r.log.consumer = r.caller->consumer_id;
    }
    return true;
}

// The request's body fields (into fields_) and its upstream; the error to answer when it
// cannot be routed or the caller may not use the model. A plain function: the parse result
// stays off proxy()'s coroutine frame.
error_code connection::route(request& r, const server::runtime& rt, std::size_t& upstream) {
    if (const error_code bad = rescan(r, rt)) {
        return bad;
    }
    const auto found = rt.router.find(fields_.model);
    if (!found) {
        return error::model_not_found;
    }
    upstream = *found;
    return {};
}

// The body's fields (into fields_), and whether the caller may use its model.
error_code connection::rescan(request& r, const server::runtime& rt) {
    const auto kind = classify(r.in.head().method_string(), r.in.head().target());
    auto fields = scan_request_body(
        r.in.body, rt.cfg.server.limits.max_json_depth, kind.value_or(api::chat_completions));
    if (!fields) {
        return fields.error();
    }
    fields_ = std::move(*fields);
    r.log.model = fields_.model;
    if (r.caller) {
        if (const auto denied = check_model(*r.caller, fields_.model)) {
            return denied;
        }
    }
    return {};
}

// Makes the request the one the fallback `to` is sent: the client's body again, with the
// fallback's model when it names one. False when the caller may not use that model.
bool connection::fall_back(request& r,
                           const server::runtime& rt,
                           const config::fallback_config& to) {
    r.in.body = original_body_;
    if (!to.model.empty()) {
        if (rescan(r, rt)) {
            return false;
        }
        std::string quoted;
        append_json_string(quoted, to.model);
        metering::apply_edits(
            r.in.body,
            {{static_cast<std::size_t>(fields_.model_raw.data() - r.in.body.data()),
              fields_.model_raw.size(),
              quoted.substr(1, quoted.size() - 2)}});
    }
    return !rescan(r, rt);
}

// The exchange for the request in flight (exchange_), and the tap its answer goes through:
// the SSE event count, and the usage when metered.
body_tap* connection::prepare_exchange(request& r, meter* m) {
    const auto& head = r.in.head();
    exchange_ = exchange_request{
        head.method_string(),
        head.target(),
        r.log.request_id,
        r.in.fields,
        r.in.body,
        head.version() >= 11,
        r.keep_alive,
        r.send_timeout,
        &scratch_,
        r.caller ? std::string_view(r.caller->consumer_id) : "",
        r.caller ? std::string_view(r.caller->key_id) : "",
        m ? std::span<const header_view>(m->header_views) : std::span<const header_view>(),
        m && m->asked_for_usage ? &m->usage_chunk : nullptr};
    counter_ = event_counter();
    exchange_.events = &counter_;
    taps_.reset();
    if (m && m->active) {
        return &taps_.emplace(counter_, m->usage);
    }
    return &counter_;
}

task<bool> connection::proxy(request& r) {
    const auto rt = w_.snapshot();  // this request keeps the config it started with
    std::size_t upstream = 0;
    if (const error_code unroutable = route(r, *rt, upstream)) {
        r.log.error = unroutable.message();
        co_return !co_await reply_error(r, unroutable) && r.keep_alive;
    }
    const auto& primary = rt->upstreams[upstream];
    if (!primary.fallbacks.empty()) {
        original_body_ = r.in.body;  // before metering edits it for this upstream
    }
    // The primary upstream, then its fallbacks in order while a failure that fallback_on
    // names leaves the client with nothing yet. Each try is metered on its own; one that
    // hands over to a fallback charges nothing.
    std::optional<bool> served;  // set when a try ended the request (answered or refused)
    exchange_result result;
    for (std::size_t hop = 0;; ++hop) {
        const bool last = hop >= primary.fallbacks.size();
        result = co_await exchange_with(
            r, rt, upstream, last ? nullptr : &primary.cfg.fallback_on, served);
        if (served || !result.may_fall_back || last || entry_.watcher->client_gone()) {
            break;
        }
        if (!fall_back(r, *rt, primary.cfg.fallbacks[hop])) {
            break;  // the caller may not use the fallback's model: the failure stands
        }
        upstream = primary.fallbacks[hop];
    }
    if (served) {
        entry_.watcher->stop();  // a fallback's refusal: an earlier try may have started it
        co_return *served;
    }
    const bool gone = entry_.watcher->client_gone();
    entry_.watcher->stop();
    r.log.sse_events = counter_.events();
    r.log.bytes_out = result.bytes_out;
    if (gone) {
        r.log.status = 499;  // nginx's "client closed request"
        r.log.error = "client closed the connection";
        co_return false;
    }
    if (result.ec) {
        r.log.error = result.ec.message();
    }
    if (!result.head_sent) {
        co_return !co_await reply_error(r, result.ec, overload_headers(result.ec)) && r.keep_alive;
    }
    r.log.status = result.status;
    co_return result.keep_alive;
}

// One try of the request on `upstream`: reserve, forward, settle. `served` is set when the
// request was answered here already (its quota refused it).
task<exchange_result> connection::exchange_with(request& r,
                                                const std::shared_ptr<const server::runtime>& rt,
                                                std::size_t upstream,
                                                const config::failure_set* keep_back,
                                                std::optional<bool>& served) {
    const auto& up = rt->upstreams[upstream];
    r.log.upstream = up.cfg.name;
    // Metering: only for an authenticated caller whose limits count this model.
    meter* m = nullptr;
    if (r.caller) {
        m = &meter_;
        m->reset();
        w_.next_request_id(reservation_id_);  // unique, unlike a client's X-Request-ID
        const auto kind = classify(r.in.head().method_string(), r.in.head().target());
        const api k = kind.value_or(api::chat_completions);
        if (wants_offloaded_count(w_, *r.caller, fields_)) {
            co_await precount_prompt(*m);  // a large prompt: the io thread serves others meanwhile
        }
        // The memory store answers at once; Redis is awaited.
        auto refused = reserve_quota_now(w_, *r.caller, fields_, k, reservation_id_, r.in.body, *m);
        if (!refused) {
            refused =
                co_await reserve_quota(w_, *r.caller, fields_, k, reservation_id_, r.in.body, *m);
        }
        r.log.admission = admission_of(*refused, *m);
        if (*refused) {
            r.log.error = refused->message();
            served = !co_await reply_error(r, *refused, m->header_views) && r.keep_alive;
            co_return exchange_result{};
        }
        if (m->active) {
            w_.metrics().reservations_open.add();
        }
    }
    body_tap* const tap = prepare_exchange(r, m);
    if (m) {
        m->usage.limit(up.cfg.max_event_bytes);
    }
    exchange_.keep_back = keep_back;
    const auto traffic = w_.traffic(rt);  // held: a reload must not move this request's slot
    entry_.watch.arm(watch_delay);
    auto result = co_await forward(io_, w_, {*traffic, upstream, up}, exchange_, tap, entry_);
    entry_.watch.disarm();
    r.log.attempts += result.attempts;
    r.log.endpoint = result.endpoint;
    r.log.upstream_time += result.upstream_time;
    r.log.upstream_ttfb = result.upstream_ttfb;
    if (m && m->active) {  // exactly once, whatever happened to the client or upstream
        m->superseded = result.may_fall_back && keep_back != nullptr;
        if (!settle_quota_now(
                w_, *r.caller, reservation_id_, result.head_sent ? result.status : 0, *m)) {
            co_await settle_quota(w_, *r.caller, reservation_id_, *m);
        }
        w_.metrics().reservations_open.sub();
        r.log.prompt_tokens = m->settled.prompt_tokens;
        r.log.completion_tokens = m->settled.completion_tokens;
        r.log.reserved_tokens = m->prompt_estimate + m->granted_completion;
        r.log.cost_pico_usd = m->settled.cost;
        r.log.token_count = m->count_source;
        r.log.usage_flag = m->usage_flag;
        const auto& reported = m->usage.reported();
        r.log.cached_tokens = reported.prompt_tokens ? reported.cached_tokens : -1;
        r.log.reasoning_tokens = reported.completion_tokens ? reported.reasoning_tokens : -1;
    }
    co_return result;
}

task<error_code> connection::reply(request& r,
                                   unsigned status,
                                   std::string_view body,
                                   std::span<const header_view> extra) {
    const header_view ctype[] = {{"Content-Type", "application/json"}};
    build_client_head(reply_head_,
                      {status,
                       ctype,
                       r.log.request_id,
                       body_mode::content_length,
                       body.size(),
                       r.keep_alive,
                       extra});
    const std::array<net::const_buffer, 2> out{net::buffer(reply_head_), net::buffer(body)};
    r.log.status = status;
    r.log.bytes_out = body.size();
    entry_.client.arm(r.send_timeout);
    auto [ec, n] = co_await net::async_write(io_, out, use_nothrow_awaitable);
    entry_.client.disarm();
    co_return ec;
}

task<error_code> connection::reply_error(request& r,
                                         const error_code& ec,
                                         std::span<const header_view> extra) {
    const auto described = describe(ec);
    co_return co_await reply(r, described.status, error_body(described), extra);
}

// After refusing a request whose body we did not read, stop sending and drain what the client
// still sends for a moment, so the kernel does not reset the connection over our answer.
task<void> connection::linger_close() {
    error_code ec;
    io_.socket().shutdown(net::socket_base::shutdown_send, ec);
    entry_.client.arm(linger_time);
    std::array<char, 4096> sink;
    for (int i = 0; i < 256; ++i) {
        auto [rec, n] = co_await io_.async_read_some(net::buffer(sink), use_nothrow_awaitable);
        if (rec) {
            break;
        }
    }
    entry_.client.disarm();
}

}  // namespace

task<void> run_session(tcp_socket socket, server::worker& w) {
    socket.set_option(net::ip::tcp::no_delay(true));
    const auto rt = w.snapshot();
    connection c(
        rt->server_tls ? stream(std::move(socket), *rt->server_tls) : stream(std::move(socket)), w);
    co_await c.run();
}

}  // namespace tollgate::proxy

#include "tollgate/proxy/exchange.hpp"

#include "tollgate/core/error.hpp"
#include "tollgate/proxy/buffered_read.hpp"
#include "tollgate/proxy/http_head.hpp"
#include "tollgate/proxy/response_body.hpp"
#include "tollgate/proxy/responses.hpp"
#include "tollgate/upstream/keep_alive.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <vector>

#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>

namespace tollgate::proxy {
namespace {

using error_code = boost::system::error_code;

// How a try failed, before any byte of an answer was relayed.
enum class failure { none, connect_failure, reset, timeout };

error_code upstream_error(const watchdog& timer) {
    return timer.fired ? error_code(error::upstream_timeout)
                       : error_code(error::upstream_unavailable);
}

// The buffers of `all` still to send after `sent` bytes of them went.
std::span<const net::const_buffer> unsent(std::span<net::const_buffer> all, std::size_t sent) {
    std::size_t i = 0;
    while (i < all.size() && sent >= all[i].size()) {
        sent -= all[i].size();
        ++i;
    }
    if (i < all.size()) {
        all[i] += sent;
    }
    return all.subspan(i);
}

// Writes the response to the client, framing body pieces as chunks when the mode says so.
// write_now() sends what the socket takes at once (usually all of it: no reactor, no
// coroutine resumption); rest() and write() hand back Asio's own awaitable (no coroutine
// frame of ours per piece), bounded by send_timeout. The buffer list lives here meanwhile.
class chunk_writer {
public:
    chunk_writer(stream& client, body_mode mode, std::chrono::milliseconds timeout, watchdog& timer)
        : client_(client), mode_(mode), timeout_(timeout), timer_(timer) {}

    /// True when all of it went, or `ec` says why not; false when rest() is to be awaited.
    bool write_now(std::string_view head, std::string_view data, error_code& ec) {
        const std::size_t n = frame(head, data);
        const std::span<net::const_buffer> all(out_.data(), n);
        const std::size_t sent = client_.write_now(all, ec);
        rest_ = unsent(all, sent);
        return ec || rest_.empty();
    }

    /// What write_now() left unsent.
    auto rest() {
        timer_.arm(timeout_);
        return net::async_write(client_, rest_, use_nothrow_awaitable);
    }

    auto write(std::string_view head, std::string_view data) {
        const std::size_t n = frame(head, data);
        timer_.arm(timeout_);
        return net::async_write(
            client_, std::span<const net::const_buffer>(out_.data(), n), use_nothrow_awaitable);
    }

    /// The last chunk of a chunked body.
    auto finish() {
        timer_.arm(timeout_);
        return net::async_write(client_, net::buffer("0\r\n\r\n", 5), use_nothrow_awaitable);
    }

private:
    // Fills out_ with the head and the data (as a chunk in chunked mode); the buffer count.
    std::size_t frame(std::string_view head, std::string_view data) {
        std::size_t n = 0;
        if (!head.empty()) {
            out_[n++] = net::buffer(head);
        }
        if (!data.empty() && mode_ == body_mode::chunked) {
            auto [end, ec] = std::to_chars(size_line_, size_line_ + 16, data.size(), 16);
            end[0] = '\r';
            end[1] = '\n';
            out_[n++] = net::buffer(size_line_, static_cast<std::size_t>(end + 2 - size_line_));
            out_[n++] = net::buffer(data);
            out_[n++] = net::buffer("\r\n", 2);
        } else if (!data.empty()) {
            out_[n++] = net::buffer(data);
        }
        return n;
    }

    stream& client_;
    body_mode mode_;
    std::chrono::milliseconds timeout_;
    watchdog& timer_;
    std::array<net::const_buffer, 4> out_{};
    std::span<const net::const_buffer> rest_;
    char size_line_[20];
};

// How the body goes to the client: as it came when it has a length; else chunked to an
// HTTP/1.1 client, until the close to an HTTP/1.0 one.
body_mode choose_mode(const response_framing& f, const exchange_request& req) {
    switch (f.body) {
        case response_framing::kind::none:
            return body_mode::none;
        case response_framing::kind::length:
            return body_mode::content_length;
        default:
            return req.client_http11 ? body_mode::chunked : body_mode::until_close;
    }
}

std::string_view bytes_of(const beast::flat_buffer& b) {
    return {static_cast<const char*>(b.data().data()), b.size()};
}

// The value of the first field called `name` (lower case), or empty.
std::string_view field_value(std::span<const header_view> fields, std::string_view name) {
    for (const auto& f : fields) {
        if (f.name.size() == name.size() && iequals(f.name, name)) {
            return f.value;
        }
    }
    return {};
}

// Until when a connection whose response carried `fields` may wait in the pool.
upstream::steady_time pooled_until(const server::endpoint_runtime& up,
                                   std::span<const header_view> fields) {
    const std::string_view hint = field_value(fields, "keep-alive");
    return watchdog::coarse_now() +
           upstream::idle_limit(up.cfg.keepalive_timeout,
                                hint.empty() ? std::nullopt : upstream::keep_alive_timeout(hint));
}

bool is_event_stream(std::string_view content_type) {
    return content_type.starts_with("text/event-stream");
}

// An upstream that broke off mid-stream, or a stream cut at one of its limits: an SSE client
// gets a final error event and a clean end of the chunked body, so SDKs raise instead of
// hanging; others see the connection close.
task<void> end_broken_stream(chunk_writer& out, body_mode mode, bool event_stream, error_code why) {
    if (mode != body_mode::chunked) {
        co_return;
    }
    if (event_stream) {
        // The messages are the gateway's own constants: nothing in them needs JSON escaping.
        const error_reply reply = describe(why);
        const std::string_view message =
            why == error::upstream_unavailable
                ? std::string_view("upstream connection lost mid-stream")
                : std::string_view(reply.message);
        std::string event = "event: error\ndata: {\"error\":{\"message\":\"";
        event.append(message).append("\",\"type\":\"api_error\",\"code\":\"");
        event.append(reply.code).append("\"}}\n\n");
        co_await out.write({}, event);
    }
    co_await out.finish();
}

// Acquires a connection (pooled or new), sends the request and reads the response head
// within cfg.timeout, skipping interim (1xx) responses. A pooled connection that fails before
// any byte of an answer is retried once, on a fresh connection: never on another pooled one,
// which sat idle as long and is as likely to have been closed by the upstream. The head's
// fields are views into conn->buffer. `kind` says how it failed, for retries and health.
task<error_code> open_exchange(server::worker& w,
                               const server::endpoint_runtime& ep,
                               const exchange_request& req,
                               upstream::connection_ptr& conn,
                               server::session_entry& entry,
                               failure& kind) {
    auto& current = entry.watcher->upstream();
    auto& timer = entry.upstream;
    auto& scratch = *req.scratch;
    auto& head = scratch.response;
    std::array<net::const_buffer, 2> out{};
    for (int attempt = 0;; ++attempt) {
        conn = attempt == 0 ? w.pool().take(ep.pool_key, watchdog::coarse_now()) : nullptr;
        if (!conn) {
            auto fresh = co_await upstream::connect(ep, {timer, current});
            if (!fresh) {
                kind = failure::connect_failure;
                co_return fresh.error();
            }
            conn = std::move(*fresh);
        }
        current = &conn->io.socket();
        timer.arm(ep.cfg.timeout);
        // Sent at once when the socket takes it all (it almost always does).
        out = {net::buffer(scratch.upstream_head), net::buffer(req.body)};
        error_code ec;
        const auto rest = unsent(out, conn->io.write_now(out, ec));
        if (!ec && !rest.empty()) {
            auto [wec, written] = co_await net::async_write(conn->io, rest, use_nothrow_awaitable);
            ec = wec;
        }
        // The response head, read here rather than in a coroutine of its own: one frame less
        // per request.
        bool got_some = false;
        for (bool fresh_head = true; !ec;) {
            if (fresh_head) {
                scratch.response_fields.clear();
                head.emplace(scratch.response_fields, ep.cfg.max_header_bytes);
                fresh_head = false;
            }
            const auto state = head->feed(bytes_of(conn->buffer));
            got_some = got_some || head->got_some();
            if (state == head_parser::state::failed) {
                ec = head->error();
            } else if (state == head_parser::state::done && head->interim()) {
                conn->buffer.consume(head->size());  // 100 Continue, 103 Early Hints: not ours
                fresh_head = true;
            } else if (state == head_parser::state::done) {
                co_return error_code{};
            } else {
                auto [rec, n] = co_await conn->io.async_read_some(
                    conn->buffer.prepare(detail::read_room(conn->buffer)), use_nothrow_awaitable);
                conn->buffer.commit(n);
                ec = rec ? detail::end_of(rec, got_some) : error_code{};
            }
        }
        if (!conn->reused || attempt > 0 || got_some || timer.fired) {
            kind = timer.fired ? failure::timeout : failure::reset;
            co_return upstream_error(timer);
        }
    }
}

// Whether `set` names the failure `kind` (or, for an answer, its status).
bool covers(const config::failure_set& set, failure kind, unsigned status) {
    switch (kind) {
        case failure::connect_failure:
            return set.connect_failure;
        case failure::reset:
            return set.reset;
        case failure::timeout:
            return set.timeout;
        case failure::none:
            break;
    }
    return std::find(set.statuses.begin(), set.statuses.end(), status) != set.statuses.end();
}

// The upstream phase is over: the tick and the client watch have nothing left to abort.
void end_upstream_phase(server::session_entry& entry) {
    entry.upstream.disarm();
    entry.watcher->upstream() = nullptr;
}

// Waits up to queue_timeout for an endpoint of `up` under its cap (woken when a request
// leaves one). The slow path: only when pick() found every endpoint full.
task<std::optional<std::size_t>> wait_for_slot(upstream_choice up, std::uint64_t tried) {
    auto ex = co_await net::this_coro::executor;
    const auto deadline = std::chrono::steady_clock::now() + up.group.cfg.queue_timeout;
    for (;;) {
        const auto now = std::chrono::steady_clock::now();
        if (auto i = up.traffic.balancer(up.index).pick(now, tried)) {
            co_return i;
        }
        if (now >= deadline) {
            co_return std::nullopt;
        }
        upstream::wake_timer wake(ex, deadline - now);
        up.traffic.wait(up.index, &wake);
        co_await wake.async_wait(use_nothrow_awaitable);  // woken (cancelled) or timed out
        up.traffic.forget(up.index, &wake);
    }
}

// Relays the answer whose head open_exchange() read on `conn` to the client.
task<void> relay(stream& client,
                 server::worker& w,
                 const server::endpoint_runtime& ep,
                 const exchange_request& req,
                 body_tap* tap,
                 server::session_entry& entry,
                 upstream::connection_ptr conn,
                 exchange_result& out);

}  // namespace

task<exchange_result> forward(stream& client,
                              server::worker& w,
                              upstream_choice up,
                              const exchange_request& req,
                              body_tap* tap,
                              server::session_entry& entry) {
    exchange_result out;
    auto& scratch = *req.scratch;
    auto& balancer = up.traffic.balancer(up.index);
    const auto& cfg = up.group.cfg;
    balancer.on_request(watchdog::coarse_now());
    std::uint64_t tried = 0;  // bit i: endpoint i was tried
    for (;;) {
        auto picked = balancer.pick(watchdog::coarse_now(), tried);
        if (!picked) {
            picked = co_await wait_for_slot(up, tried);
        }
        if (!picked) {
            out.ec = error::upstream_overloaded;
            co_return out;
        }
        const std::size_t i = *picked;
        const auto& ep = up.group.endpoints[i];
        balancer.begin(i);
        ++out.attempts;
        tried |= i < 64 ? std::uint64_t{1} << i : 0;
        out.endpoint = ep.cfg.url;
        build_upstream_head(scratch.upstream_head,
                            {req.method,
                             req.target,
                             req.request_id,
                             req.fields,
                             req.body.size(),
                             req.consumer_id,
                             req.key_id},
                            ep.to,
                            ep.cfg);
        upstream::connection_ptr conn;
        failure kind = failure::none;
        const auto sent = std::chrono::steady_clock::now();
        out.ec = co_await open_exchange(w, ep, req, conn, entry, kind);
        const auto answered = std::chrono::steady_clock::now();
        if (!out.ec) {
            out.upstream_ttfb =
                std::chrono::duration_cast<std::chrono::microseconds>(answered - sent);
        }
        const unsigned status = out.ec ? 0 : scratch.response->status();
        const auto now = watchdog::coarse_now();
        if (kind != failure::none || status >= 500) {
            balancer.failed(i, now);
        } else {
            balancer.succeeded(i);
        }
        const bool keep_back = req.keep_back != nullptr && covers(*req.keep_back, kind, status);
        const bool retry = out.attempts <= cfg.retries.attempts &&
                           covers(cfg.retries.on, kind, status) && balancer.take_retry(now);
        if (kind == failure::none && !retry && !keep_back) {
            co_await relay(client, w, ep, req, tap, entry, std::move(conn), out);
            up.traffic.release(up.index, i);
            out.upstream_time += std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - sent);
            co_return out;
        }
        // Not relayed: nothing of this answer reaches the client (its connection is closed).
        out.upstream_time += std::chrono::duration_cast<std::chrono::microseconds>(answered - sent);
        conn.reset();
        end_upstream_phase(entry);
        up.traffic.release(up.index, i);
        if (retry) {
            continue;
        }
        if (kind == failure::none) {
            out.status = status;
            out.ec = error::upstream_failed;  // kept back for a fallback
        }
        out.may_fall_back = keep_back;
        co_return out;
    }
}

namespace {

task<void> relay(stream& client,
                 server::worker& w,
                 const server::endpoint_runtime& up,
                 const exchange_request& req,
                 body_tap* tap,
                 server::session_entry& entry,
                 upstream::connection_ptr conn,
                 exchange_result& out) {
    auto& scratch = *req.scratch;
    const response_head& head = *scratch.response;
    const auto fields = std::span<const header_view>(scratch.response_fields);
    const auto framing = frame_response(head.status(), req.method == "HEAD", fields);
    if (!framing) {
        end_upstream_phase(entry);
        out.ec = error::upstream_unavailable;  // a response nobody can delimit: not relayed
        co_return;
    }
    const body_mode mode = choose_mode(*framing, req);
    out.status = head.status();
    out.keep_alive = req.client_keep_alive && mode != body_mode::until_close && !w.draining();
    const std::string_view ctype = field_value(fields, "content-type");
    const bool event_stream = is_event_stream(ctype);
    build_client_head(scratch.client_head,
                      {out.status,
                       fields,
                       req.request_id,
                       mode,
                       framing->length,
                       out.keep_alive,
                       req.extra_headers});
    if (tap) {
        tap->on_head(out.status, ctype);
    }
    const bool reusable = head.keep_alive() && framing->reusable;
    if (reusable) {
        conn->expires = pooled_until(up, fields);
    }
    // The head's views die here: the buffer is consumed and may be moved by the next read.
    conn->buffer.consume(head.size());
    // A filter may drop bytes, so never under Content-Length framing.
    body_filter* const filter =
        out.status / 100 == 2 && mode != body_mode::content_length && event_stream ? req.filter
                                                                                   : nullptr;

    response_body body(*framing);
    chunk_writer writer(client, mode, req.send_timeout, entry.client);
    const event_counter* const events = event_stream ? req.events : nullptr;
    scratch.clock.start(watchdog::coarse_now(),
                        up.cfg.max_stream_duration,
                        up.cfg.max_event_gap,
                        events != nullptr,
                        events ? events->events() : 0);
    std::string_view pending_head = scratch.client_head;
    error_code uec;
    for (;;) {
        // Take the next piece, unless the head should go out alone first: nothing of the body
        // is here yet (a stream's first event may take long; the client gets the head now).
        // A piece is a view of conn->buffer (or of the decoded chunk), consumed once sent.
        std::string_view piece;
        std::size_t used = 0;
        if (pending_head.empty() || conn->buffer.size() > 0 || body.done()) {
            entry.upstream.arm(up.cfg.idle_timeout, scratch.clock.limit());
            for (;;) {
                auto next = body.next(bytes_of(conn->buffer), scratch.decoded, used);
                if (!next) {
                    uec = error::upstream_unavailable;  // malformed chunked framing
                    break;
                }
                piece = *next;
                if (!piece.empty() || body.done()) {
                    break;
                }
                conn->buffer.consume(used);  // chunk framing only: nothing of it is kept
                used = 0;
                auto [rec, n] = co_await conn->io.async_read_some(
                    conn->buffer.prepare(detail::read_room(conn->buffer)), use_nothrow_awaitable);
                conn->buffer.commit(n);
                if (rec == net::error::eof && body.ends_at_close()) {
                    body.closed();  // a body delimited by the end of the connection is complete
                } else if (rec) {
                    uec = entry.upstream.fired ? scratch.clock.timed_out(watchdog::coarse_now())
                                               : error_code(error::upstream_unavailable);
                }
                if (rec) {
                    break;
                }
            }
        }
        if (tap && !piece.empty()) {
            tap->on_body(piece);
            if (events) {
                scratch.clock.saw(watchdog::coarse_now(), events->events());
            }
        }
        const std::size_t got = piece.size();
        if (filter && got) {
            piece = filter->on_body(piece);
        }
        if (!pending_head.empty() || !piece.empty()) {
            error_code cec;
            if (!writer.write_now(pending_head, piece, cec)) {
                auto [wec, written] = co_await writer.rest();
                cec = wec;
            }
            if (cec) {
                // The client went away, or read nothing for send_timeout (then the cancelled
                // write's "Operation canceled" would tell the log nothing).
                out.ec = entry.client.fired ? error_code(error::client_timeout) : cec;
                out.keep_alive = false;
                break;
            }
            out.head_sent = true;
            pending_head = {};
            out.bytes_out += piece.size();
        }
        conn->buffer.consume(used);
        if (uec || body.done()) {
            break;
        }
    }
    entry.upstream.disarm();
    entry.watcher->upstream() = nullptr;  // from here on the client watch has nothing to abort
    bool complete = !out.ec && !uec && body.done();
    if (tap) {
        tap->on_end(complete);
    }
    if (complete && filter) {
        if (const auto rest = filter->flush(); !rest.empty()) {
            auto [rec, n] = co_await writer.write({}, rest);
            if (rec) {
                out.ec = rec;  // the client went away
                out.keep_alive = false;
                complete = false;
            } else {
                out.bytes_out += rest.size();
            }
        }
    }
    if (complete) {
        if (mode == body_mode::chunked) {
            auto [fec, n] = co_await writer.finish();
            out.keep_alive = out.keep_alive && !fec;
        }
        if (reusable && conn->buffer.size() == 0) {
            w.pool().put(
                up.pool_key, std::move(conn), up.cfg.max_idle_connections, watchdog::coarse_now());
        }
    } else if (!out.ec) {
        out.ec = uec;
        out.keep_alive = false;
        co_await end_broken_stream(writer, mode, event_stream, uec);
    }
    entry.client.disarm();
}

}  // namespace
}  // namespace tollgate::proxy

#include "tollgate/proxy/session.hpp"

#include "tollgate/core/error.hpp"
#include "tollgate/proxy/client_watch.hpp"
#include "tollgate/proxy/event_counter.hpp"
#include "tollgate/proxy/exchange.hpp"
#include "tollgate/proxy/http_head.hpp"
#include "tollgate/proxy/read_request.hpp"
#include "tollgate/proxy/request_body.hpp"
#include "tollgate/proxy/responses.hpp"
#include "tollgate/proxy/route.hpp"
#include "tollgate/server/access_log.hpp"

#include <chrono>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace tollgate::proxy {
namespace {

using error_code = boost::system::error_code;

net::awaitable<error_code> write_reply(stream& s,
                                       unsigned status,
                                       std::string_view content_type,
                                       std::string_view body,
                                       std::string_view request_id,
                                       bool keep_alive,
                                       std::chrono::milliseconds send_timeout) {
    const header_view ctype[] = {{"Content-Type", content_type}};
    const std::string head = build_client_head(
        {status, ctype, request_id, body_mode::content_length, body.size(), keep_alive});
    const std::array<net::const_buffer, 2> out{net::buffer(head), net::buffer(body)};
    s.tcp().expires_after(send_timeout);
    auto [ec, n] = co_await net::async_write(s, out, use_nothrow_awaitable);
    co_return ec;
}

net::awaitable<error_code> write_error(stream& s,
                                       const error_code& ec,
                                       std::string_view rid,
                                       bool keep_alive,
                                       std::chrono::milliseconds send_timeout) {
    const auto reply = describe(ec);
    co_return co_await write_reply(
        s, reply.status, "application/json", error_body(reply), rid, keep_alive, send_timeout);
}

std::string models_body(const server::runtime& rt) {
    std::string out = R"({"object":"list","data":[)";
    bool first = true;
    for (const auto& m : rt.router.literal_models()) {
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

struct request_context {
    incoming_request& in;
    std::string request_id;
    server::access_record& log;
    bool keep_alive;
    std::chrono::milliseconds send_timeout;
    const std::shared_ptr<client_watch>& watch;
};

// A request answered faster than this never costs a syscall for disconnect watching.
constexpr std::chrono::milliseconds watch_delay{50};

net::awaitable<bool> proxy_request(stream& s, server::worker& w, request_context& ctx) {
    const auto rt = w.snapshot();  // this request keeps the config it started with
    const auto& head = ctx.in.head();
    auto fields = scan_request_body(ctx.in.body, rt->cfg.server.limits.max_json_depth);
    if (fields) {
        ctx.log.model = fields->model;
    }
    const auto upstream = fields ? rt->router.find(fields->model) : std::nullopt;
    if (!fields || !upstream) {
        const error_code ec = fields ? error_code(error::model_not_found) : fields.error();
        ctx.log.status = describe(ec).status;
        ctx.log.error = ec.message();
        co_return !co_await write_error(s, ec, ctx.request_id, ctx.keep_alive, ctx.send_timeout) &&
            ctx.keep_alive;
    }
    const auto& up = rt->upstreams[*upstream];
    ctx.log.upstream = up.cfg.name;
    exchange_request req{head.method_string(),
                         head.target(),
                         ctx.request_id,
                         ctx.in.fields,
                         ctx.in.body,
                         head.version() >= 11,
                         ctx.keep_alive,
                         ctx.send_timeout};
    event_counter counter;
    client_watch::arm(ctx.watch, watch_delay);
    const auto result = co_await forward(s, w, up, req, &counter, ctx.watch->link());
    ctx.watch->disarm();
    if (ctx.watch->client_gone()) {
        ctx.log.status = 499;  // nginx's "client closed request"
        ctx.log.error = "client closed the connection";
        co_return false;
    }
    ctx.log.sse_events = counter.events();
    ctx.log.bytes_out = result.bytes_out;
    if (result.ec) {
        ctx.log.error = result.ec.message();
    }
    if (!result.head_sent) {
        ctx.log.status = describe(result.ec).status;
        co_return !co_await write_error(
            s, result.ec, ctx.request_id, ctx.keep_alive, ctx.send_timeout) &&
            ctx.keep_alive;
    }
    ctx.log.status = result.status;
    co_return result.keep_alive;
}

net::awaitable<bool> handle(stream& s, server::worker& w, request_context& ctx) {
    const auto& head = ctx.in.head();
    const auto kind = classify(head.method_string(), head.target());
    if (!kind) {
        ctx.log.status = 404;
        ctx.log.error = "no route";
        co_return !co_await write_error(
            s, error::no_route, ctx.request_id, ctx.keep_alive, ctx.send_timeout) &&
            ctx.keep_alive;
    }
    if (*kind == api::list_models) {
        ctx.log.status = 200;
        co_return !co_await write_reply(s,
                                        200,
                                        "application/json",
                                        models_body(w.rt()),
                                        ctx.request_id,
                                        ctx.keep_alive,
                                        ctx.send_timeout) &&
            ctx.keep_alive;
    }
    co_return co_await proxy_request(s, w, ctx);
}

std::string request_id_of(const incoming_request& in, server::worker& w) {
    for (const auto& f : in.fields) {
        if (iequals(f.name, "x-request-id") && is_valid_request_id(f.value)) {
            return std::string(f.value);
        }
    }
    return w.next_request_id();
}

// After refusing a request whose body we did not read, stop sending and drain what the client
// still sends for a moment, so the kernel does not reset the connection over our answer.
net::awaitable<void> linger_close(stream& s) {
    error_code ec;
    s.tcp().socket().shutdown(net::socket_base::shutdown_send, ec);
    s.tcp().expires_after(std::chrono::seconds(2));
    std::array<char, 4096> sink;
    for (int i = 0; i < 256; ++i) {
        auto [rec, n] = co_await s.async_read_some(net::buffer(sink), use_nothrow_awaitable);
        if (rec) {
            break;
        }
    }
}

// Serves one request; false when the connection must close afterwards.
net::awaitable<bool> serve_one(stream& s,
                               server::worker& w,
                               beast::flat_buffer& buf,
                               deadline& timer,
                               const std::shared_ptr<client_watch>& watch) {
    const auto started = std::chrono::steady_clock::now();
    const auto limits = w.rt().cfg.server.limits;
    incoming_request in;
    const error_code ec = co_await read_request(s, buf, limits, timer, in);
    timer.disarm();
    if (ec && ec.category() != error_category()) {
        co_return false;  // the client left or the socket failed: nothing to answer
    }
    server::access_record log;
    log.request_id = in.parser->is_header_done() ? request_id_of(in, w) : w.next_request_id();
    if (in.parser->is_header_done()) {
        log.method = in.head().method_string();
        log.path = path_of(in.head().target());
    }
    bool keep_alive = false;
    if (ec) {
        log.status = describe(ec).status;
        log.error = ec.message();
        co_await write_error(s, ec, log.request_id, false, limits.send_timeout);
        co_await linger_close(s);
    } else {
        log.bytes_in = in.body.size();
        request_context ctx{in,
                            log.request_id,
                            log,
                            in.head().keep_alive() && !w.draining(),
                            limits.send_timeout,
                            watch};
        keep_alive = co_await handle(s, w, ctx);
    }
    log.latency = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    w.log_access(log);
    co_return keep_alive && !w.draining();
}

// Waits for the first byte of the next request; false if the client left or we are draining.
net::awaitable<bool> await_request(stream& s,
                                   beast::flat_buffer& buf,
                                   std::chrono::milliseconds timeout) {
    if (buf.size() > 0) {
        co_return true;
    }
    s.tcp().expires_after(timeout);
    auto [ec, n] = co_await s.async_read_some(buf.prepare(4096), use_nothrow_awaitable);
    buf.commit(n);
    co_return !ec;
}

}  // namespace

net::awaitable<void> run_session(net::ip::tcp::socket socket, server::worker& w) {
    socket.set_option(net::ip::tcp::no_delay(true));
    const auto rt = w.snapshot();
    stream s = rt->server_tls ? stream(beast::tcp_stream(std::move(socket)), *rt->server_tls)
                              : stream(beast::tcp_stream(std::move(socket)));
    server::session_entry entry{&s, true};
    w.add(&entry);
    const auto& limits = rt->cfg.server.limits;
    bool ok = true;
    if (auto* tls = s.tls()) {
        s.tcp().expires_after(limits.header_timeout);
        auto [ec] =
            co_await tls->async_handshake(net::ssl::stream_base::server, use_nothrow_awaitable);
        ok = !ec;
    }
    beast::flat_buffer buf;
    deadline timer(s);
    const auto watch = client_watch::make(s.tcp().socket());
    for (bool first = true; ok && !w.draining(); first = false) {
        entry.idle = true;
        if (!co_await await_request(
                s, buf, first ? limits.header_timeout : w.rt().cfg.server.limits.idle_timeout)) {
            break;
        }
        entry.idle = false;
        ok = co_await serve_one(s, w, buf, timer, watch);
    }
    watch->detach();
    w.remove(&entry);
    error_code ec;
    s.tcp().socket().shutdown(net::socket_base::shutdown_both, ec);
}

}  // namespace tollgate::proxy

#include "tollgate/proxy/http_head.hpp"

#include "tollgate/core/direct_writer.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>

namespace tollgate::proxy {
namespace {

// A head, written straight into the string (direct_writer).
class head_writer : public direct_writer {
public:
    using direct_writer::direct_writer;

    void field(std::string_view name, std::string_view value) noexcept {
        put(name);
        put_literal(": ");
        put(value);
        put_literal("\r\n");
    }
    void number_field(std::string_view name, std::uint64_t n) noexcept {
        put(name);
        put_literal(": ");
        put_number(n);
        put_literal("\r\n");
    }

    // What field(name, value) writes at most.
    static constexpr std::size_t size_of(std::string_view name, std::string_view value) noexcept {
        return name.size() + value.size() + 4;
    }
};

std::size_t size_of(std::span<const header_view> fields) noexcept {
    std::size_t n = 0;
    for (const auto& f : fields) {
        n += head_writer::size_of(f.name, f.value);
    }
    return n;
}

// Headers a client may not choose for the upstream: credentials (the gateway sends its own),
// identity headers the gateway sets, and Accept-Encoding (bodies must stay readable for
// metering; the upstream answers identity).
bool has_field(std::span<const header_view> fields, std::string_view name) noexcept {
    for (const auto& f : fields) {
        if (iequals(f.name, name)) {
            return true;
        }
    }
    return false;
}

// Is `name` (any case) equal to `lower`, a lower-case token of letters, digits and '-'? Eight
// bytes at a time: OR-ing 0x20 folds A-Z onto a-z and, for the characters such tokens hold,
// maps nothing else onto them (header names never contain the control bytes that would).
bool is_named(std::string_view name, std::string_view lower) noexcept {
    if (name.size() != lower.size()) {
        return false;
    }
    std::size_t i = 0;
    constexpr std::uint64_t fold = 0x2020202020202020ull;
    for (; i + 8 <= name.size(); i += 8) {
        std::uint64_t a;
        std::uint64_t b;
        std::memcpy(&a, name.data() + i, 8);
        std::memcpy(&b, lower.data() + i, 8);
        if ((a | fold) != b) {
            return false;
        }
    }
    for (; i < name.size(); ++i) {
        if ((name[i] | 0x20) != lower[i]) {
            return false;
        }
    }
    return true;
}

// Headers a client may not choose for the upstream: credentials (the gateway sends its own),
// identity headers the gateway sets, and Accept-Encoding (bodies must stay readable for
// metering; the upstream answers identity). Dispatch on length: one or two compares.
bool is_gateway_owned(std::string_view name) noexcept {
    switch (name.size()) {
        case 6:
            return is_named(name, "expect");
        case 8:
            return is_named(name, "x-key-id");
        case 9:
            return is_named(name, "x-api-key");
        case 12:
            return is_named(name, "x-request-id");
        case 13:
            return is_named(name, "authorization") || is_named(name, "x-consumer-id");
        case 15:
            return is_named(name, "accept-encoding");
        case 17:
            return is_named(name, "anthropic-version");
        default:
            return false;
    }
}

}  // namespace

bool is_hop_by_hop(std::string_view name) noexcept {
    switch (name.size()) {
        case 2:
            return is_named(name, "te");
        case 4:
            return is_named(name, "host");
        case 7:
            return is_named(name, "trailer") || is_named(name, "upgrade");
        case 10:
            return is_named(name, "connection") || is_named(name, "keep-alive");
        case 14:
            return is_named(name, "content-length");
        case 16:
            return is_named(name, "proxy-connection");
        case 17:
            return is_named(name, "transfer-encoding");
        case 18:
            return is_named(name, "proxy-authenticate");
        case 19:
            return is_named(name, "proxy-authorization");
        default:
            return false;
    }
}

bool listed_in_connection(std::span<const header_view> fields, std::string_view name) noexcept {
    for (const auto& f : fields) {
        if (!iequals(f.name, "connection")) {
            continue;
        }
        std::string_view v = f.value;
        while (!v.empty()) {
            auto comma = v.find(',');
            std::string_view token = v.substr(0, comma);
            while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) {
                token.remove_prefix(1);
            }
            while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
                token.remove_suffix(1);
            }
            if (iequals(token, name)) {
                return true;
            }
            v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
        }
    }
    return false;
}

void build_upstream_head(std::string& out,
                         const upstream_request& req,
                         const upstream::target& to,
                         const config::upstream_config& cfg) {
    out.clear();
    // The longest the head can be: the request line (method, path, " HTTP/1.1\r\n" within
    // the 16), the values the gateway adds, 256 for the names and separators of its own fields
    // (180 at most), and the client's fields as they came.
    const std::size_t most =
        req.method.size() + to.base_path.size() + req.target.size() + 16 + to.host_header.size() +
        cfg.api_key.size() + cfg.anthropic_version.size() + req.request_id.size() +
        req.consumer_id.size() + req.key_id.size() + 256 + size_of(req.client_fields);
    head_writer w(out, most);
    w.put(req.method);
    w.put(" ");
    w.put(to.base_path);
    w.put(req.target);
    w.put(" HTTP/1.1\r\n");
    w.field("Host", to.host_header);
    std::string_view anthropic_version = cfg.anthropic_version;
    const bool has_connection = has_field(req.client_fields, "connection");
    for (const auto& f : req.client_fields) {
        if (cfg.format == config::api_format::anthropic && is_named(f.name, "anthropic-version")) {
            anthropic_version = f.value;  // the client knows which API revision it speaks
        }
        if (is_hop_by_hop(f.name) || is_gateway_owned(f.name) ||
            (has_connection && listed_in_connection(req.client_fields, f.name))) {
            continue;
        }
        w.field(f.name, f.value);
    }
    if (cfg.format == config::api_format::anthropic) {
        if (!cfg.api_key.empty()) {
            w.field("x-api-key", cfg.api_key);
        }
        // The client's version, if it sent one (counted in `most` with its field).
        w.field("anthropic-version", anthropic_version);
    } else if (!cfg.api_key.empty()) {
        w.put("Authorization: Bearer ");
        w.put(cfg.api_key);
        w.put("\r\n");
    }
    w.field("X-Request-ID", req.request_id);
    if (!req.consumer_id.empty()) {
        w.field("X-Consumer-ID", req.consumer_id);
        w.field("X-Key-ID", req.key_id);
    }
    w.field("Accept-Encoding", "identity");
    if (req.method != "GET" || req.body_bytes != 0) {
        w.number_field("Content-Length", req.body_bytes);
    }
    w.put("\r\n");
    w.close();
}

void build_client_head(std::string& out, const client_response& res) {
    out.clear();
    const std::string_view reason = reason_phrase(res.status);
    const std::size_t most =
        32 + reason.size() + size_of(res.fields) + size_of(res.extra) + res.request_id.size() + 128;
    head_writer w(out, most);
    char status[8];
    auto [end, ec] = std::to_chars(status, status + sizeof status, res.status);
    w.put("HTTP/1.1 ");
    w.put(std::string_view(status, static_cast<std::size_t>(end - status)));
    w.put(" ");
    w.put(reason);
    w.put("\r\n");
    const bool has_connection = has_field(res.fields, "connection");
    const bool own_limits = !res.extra.empty();
    for (const auto& f : res.fields) {
        if (is_hop_by_hop(f.name) || is_named(f.name, "x-request-id") ||
            (has_connection && listed_in_connection(res.fields, f.name)) ||
            (own_limits && f.name.size() > 12 && iequals(f.name.substr(0, 12), "x-ratelimit-"))) {
            continue;
        }
        w.field(f.name, f.value);
    }
    for (const auto& f : res.extra) {
        w.field(f.name, f.value);
    }
    w.field("X-Request-ID", res.request_id);
    switch (res.mode) {
        case body_mode::none:
            w.field("Content-Length", "0");
            break;
        case body_mode::content_length:
            w.number_field("Content-Length", res.content_length);
            break;
        case body_mode::chunked:
            w.field("Transfer-Encoding", "chunked");
            break;
        case body_mode::until_close:
            break;
    }
    if (!res.keep_alive) {
        w.field("Connection", "close");
    }
    w.put("\r\n");
    w.close();
}

std::string_view reason_phrase(unsigned status) noexcept {
    switch (status) {
        case 100:
            return "Continue";
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 413:
            return "Content Too Large";
        case 422:
            return "Unprocessable Content";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "Unknown";
    }
}

bool is_valid_request_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 128) {
        return false;
    }
    for (char c : id) {
        if (c <= ' ' || c > '~') {
            return false;
        }
    }
    return true;
}

}  // namespace tollgate::proxy

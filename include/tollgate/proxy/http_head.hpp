// Building the HTTP/1.1 heads the gateway sends: the request to an upstream (its credential,
// never the client's; hop-by-hop headers stripped) and the response to a client. Pure.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/proxy/framing.hpp"
#include "tollgate/upstream/target.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tollgate::proxy {

/// Connection, Keep-Alive, TE, Transfer-Encoding, Upgrade, Proxy-*, Trailer, Content-Length
/// and Host: headers the gateway sets itself on each hop.
bool is_hop_by_hop(std::string_view name) noexcept;

/// True if `name` appears as a token of any Connection header in `fields`.
bool listed_in_connection(std::span<const header_view> fields, std::string_view name) noexcept;

struct upstream_request {
    std::string_view method;
    std::string_view target;  // path and query, as the client sent it
    std::string_view request_id;
    std::span<const header_view> client_fields;
    std::size_t body_bytes = 0;
    std::string_view consumer_id;  // X-Consumer-ID for the upstream ("" = none: auth off)
    std::string_view key_id;       // X-Key-ID
};

/// The request head for `to`, with the upstream's own credential for its format, written
/// into `out` (cleared first; its capacity is reused across requests).
void build_upstream_head(std::string& out,
                         const upstream_request& req,
                         const upstream::target& to,
                         const config::upstream_config& cfg);

inline std::string build_upstream_head(const upstream_request& req,
                                       const upstream::target& to,
                                       const config::upstream_config& cfg) {
    std::string out;
    build_upstream_head(out, req, to, cfg);
    return out;
}

enum class body_mode { none, content_length, chunked, until_close };

struct client_response {
    unsigned status = 200;
    std::span<const header_view> fields;  // relayed end-to-end fields (hop-by-hop skipped)
    std::string_view request_id;
    body_mode mode = body_mode::none;
    std::uint64_t content_length = 0;
    bool keep_alive = true;
    // The gateway's own headers (x-ratelimit-*, Retry-After). When present, the upstream's
    // x-ratelimit-* fields (its limits on the gateway's credential) are not relayed.
    std::span<const header_view> extra = {};
};

/// The response head for the client, written into `out` (cleared first).
void build_client_head(std::string& out, const client_response& res);

inline std::string build_client_head(const client_response& res) {
    std::string out;
    build_client_head(out, res);
    return out;
}

/// Reason phrase for a status code ("OK", "Bad Request", ...).
std::string_view reason_phrase(unsigned status) noexcept;

/// True for an X-Request-ID worth keeping: 1..128 visible ASCII characters.
bool is_valid_request_id(std::string_view id) noexcept;

}  // namespace tollgate::proxy

// How long an idle upstream connection may be kept for reuse: the configured
// keepalive_timeout, shortened by the upstream's own `Keep-Alive: timeout=N` hint (RFC 7230
// appendix A.1.2; Node and Apache send it) so the gateway lets go before the upstream does.
// Pure; no I/O.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace tollgate::upstream {

/// The `timeout` parameter of a Keep-Alive header value ("timeout=5, max=100"), or nullopt
/// when it names none or a malformed one.
std::optional<std::chrono::seconds> keep_alive_timeout(std::string_view value);

/// How long to keep a connection idle: `configured`, or less when the upstream hinted it
/// closes sooner. A hint of N seconds keeps it at most N - 1 s (the hint counts whole
/// seconds and the upstream's clock starts before ours); 1 s or less: not kept (zero).
std::chrono::milliseconds idle_limit(std::chrono::milliseconds configured,
                                     std::optional<std::chrono::seconds> hint);

}  // namespace tollgate::upstream

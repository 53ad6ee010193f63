// An upstream's parsed URL: scheme, host, port and base path. Pure; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::upstream {

struct target {
    bool tls = false;
    std::string host;  // without brackets for IPv6
    std::uint16_t port = 0;
    std::string base_path;    // "" or "/prefix" without trailing slash
    std::string host_header;  // what to send as Host
};

/// "http://h:p/base" or "https://h/base". nullopt if malformed or another scheme.
std::optional<target> parse_target(std::string_view url);

}  // namespace tollgate::upstream

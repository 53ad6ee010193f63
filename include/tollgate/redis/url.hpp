// redis:// and rediss:// URLs: [user[:password]@]host[:port][/db]. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::redis {

struct url {
    bool tls = false;
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    std::string user;      // Redis 6 ACL user; "" = default
    std::string password;  // "" = no AUTH
    unsigned db = 0;
};

/// nullopt (with `why` set) for anything but a well-formed redis:// or rediss:// URL.
std::optional<url> parse_url(std::string_view text, std::string* why = nullptr);

}  // namespace tollgate::redis

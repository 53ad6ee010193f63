#include "tollgate/redis/url.hpp"

#include <charconv>

namespace tollgate::redis {
namespace {

std::optional<url> fail(std::string* why, const char* message) {
    if (why) {
        *why = message;
    }
    return std::nullopt;
}

// %XX escapes in the userinfo (a password may contain '@' or ':').
std::optional<std::string> unescape(std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        unsigned v = 0;
        if (i + 2 >= in.size() ||
            std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16).ptr != in.data() + i + 3) {
            return std::nullopt;
        }
        out += static_cast<char>(v);
        i += 2;
    }
    return out;
}

}  // namespace

std::optional<url> parse_url(std::string_view text, std::string* why) {
    url u;
    if (text.starts_with("rediss://")) {
        u.tls = true;
        text.remove_prefix(9);
    } else if (text.starts_with("redis://")) {
        text.remove_prefix(8);
    } else {
        return fail(why, "must start with redis:// or rediss://");
    }
    if (const auto at = text.rfind('@'); at != std::string_view::npos) {
        const std::string_view info = text.substr(0, at);
        text.remove_prefix(at + 1);
        const auto colon = info.find(':');
        auto user = unescape(info.substr(0, colon));
        auto pass = colon == std::string_view::npos ? std::optional<std::string>("")
                                                    : unescape(info.substr(colon + 1));
        if (!user || !pass) {
            return fail(why, "bad %-escape in the user or password");
        }
        u.user = *user;
        u.password = *pass;
    }
    const auto slash = text.find('/');
    std::string_view hostport = text.substr(0, slash);
    if (slash != std::string_view::npos) {
        const std::string_view db = text.substr(slash + 1);
        if (!db.empty()) {
            const auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), u.db);
            if (ec != std::errc() || p != db.data() + db.size()) {
                return fail(why, "the database after / must be a number");
            }
        }
    }
    std::string_view host = hostport;
    if (hostport.starts_with('[')) {  // [::1]:6379
        const auto close = hostport.find(']');
        if (close == std::string_view::npos) {
            return fail(why, "unclosed [ in the host");
        }
        host = hostport.substr(1, close - 1);
        hostport.remove_prefix(close + 1);
    } else {
        const auto colon = hostport.rfind(':');
        host = hostport.substr(0, colon);
        hostport = colon == std::string_view::npos ? std::string_view() : hostport.substr(colon);
    }
    if (hostport.starts_with(':')) {
        const std::string_view port = hostport.substr(1);
        const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), u.port);
        if (ec != std::errc() || p != port.data() + port.size() || u.port == 0) {
            return fail(why, "the port must be a number from 1 to 65535");
        }
    } else if (!hostport.empty()) {
        return fail(why, "unexpected text after the host");
    }
    if (host.empty()) {
        return fail(why, "has no host");
    }
    u.host = host;
    return u;
}

}  // namespace tollgate::redis

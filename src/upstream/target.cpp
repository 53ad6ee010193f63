#include "tollgate/upstream/target.hpp"

#include "tollgate/config/units.hpp"

namespace tollgate::upstream {

std::optional<target> parse_target(std::string_view url) {
    target t;
    if (url.starts_with("http://")) {
        url.remove_prefix(7);
    } else if (url.starts_with("https://")) {
        t.tls = true;
        url.remove_prefix(8);
    } else {
        return std::nullopt;
    }
    auto slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    if (slash != std::string_view::npos) {
        std::string_view path = url.substr(slash);
        while (!path.empty() && path.back() == '/') {
            path.remove_suffix(1);
        }
        t.base_path = std::string(path);
    }
    if (authority.empty() || authority.find('@') != std::string_view::npos) {
        return std::nullopt;
    }
    const std::uint16_t default_port = t.tls ? 443 : 80;
    bool has_port = authority.back() != ']' && authority.rfind(':') != std::string_view::npos &&
                    (authority.front() == '[' || authority.find(':') == authority.rfind(':'));
    if (has_port) {
        auto ep = config::parse_endpoint(authority);
        if (!ep) {
            return std::nullopt;
        }
        t.host = ep->host;
        t.port = ep->port;
    } else {
        std::string_view host = authority;
        if (host.front() == '[') {
            if (host.back() != ']') {
                return std::nullopt;
            }
            host = host.substr(1, host.size() - 2);
        } else if (host.find(':') != std::string_view::npos) {
            return std::nullopt;
        }
        t.host = std::string(host);
        t.port = default_port;
    }
    if (t.host.empty() || t.port == 0) {
        return std::nullopt;
    }
    t.host_header = std::string(authority);
    return t;
}

}  // namespace tollgate::upstream

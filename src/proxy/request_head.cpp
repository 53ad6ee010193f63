#include "tollgate/proxy/request_head.hpp"

namespace tollgate::proxy {

// method SP request-target SP HTTP-version
bool request_head::start_line(std::string_view line) {
    const std::size_t sp1 = line.find(' ');
    if (sp1 == 0 || sp1 == std::string_view::npos) {
        return false;
    }
    const std::size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || sp2 == sp1 + 1) {
        return false;
    }
    const std::string_view method = line.substr(0, sp1);
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (!is_token(method) || !is_visible(target)) {
        return false;
    }
    if (!parse_version(version)) {
        return false;
    }
    start_views_ = {method, target};
    return true;
}

}  // namespace tollgate::proxy

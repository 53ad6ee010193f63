#include "tollgate/proxy/response_head.hpp"

namespace tollgate::proxy {

// HTTP-version SP status-code SP [ reason-phrase ]; a missing SP after the code is tolerated
// (some servers send "HTTP/1.1 200" for an empty reason).
bool response_head::start_line(std::string_view line) {
    if (line.size() < 12 || line[8] != ' ' || !parse_version(line.substr(0, 8))) {
        return false;
    }
    unsigned status = 0;
    for (const char c : line.substr(9, 3)) {
        if (c < '0' || c > '9') {
            return false;
        }
        status = status * 10 + static_cast<unsigned>(c - '0');
    }
    if (status < 100 || (line.size() > 12 && line[12] != ' ') ||
        (line.size() > 13 && !is_field_text(line.substr(13)))) {
        return false;
    }
    status_ = status;
    return true;
}

}  // namespace tollgate::proxy

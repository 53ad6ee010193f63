#include "tollgate/server/accept_backoff.hpp"

#include <algorithm>

namespace tollgate::server {

accept_backoff::step accept_backoff::failed(clock::time_point now) noexcept {
    step s;
    s.pause = pause_;
    pause_ = std::min(pause_ * 2, longest_pause);
    if (!ever_logged_ || now - logged_ >= log_every) {
        s.log = true;
        s.hidden = hidden_;
        hidden_ = 0;
        logged_ = now;
        ever_logged_ = true;
    } else {
        ++hidden_;
    }
    return s;
}

}  // namespace tollgate::server

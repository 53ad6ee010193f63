#include "tollgate/proxy/deadline.hpp"

namespace tollgate::proxy {

void deadline::arm(std::chrono::milliseconds d) {
    expired_ = false;
    const auto generation = ++generation_;
    timer_.expires_after(d);
    timer_.async_wait([this, generation](const boost::system::error_code& ec) {
        if (ec || generation != generation_) {
            return;
        }
        expired_ = true;
        boost::system::error_code ignored;
        stream_.tcp().socket().cancel(ignored);
    });
}

void deadline::disarm() {
    ++generation_;
    timer_.cancel();
}

}  // namespace tollgate::proxy

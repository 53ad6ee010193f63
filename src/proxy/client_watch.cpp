#include "tollgate/proxy/client_watch.hpp"

namespace tollgate::proxy {

std::shared_ptr<client_watch> client_watch::make(net::ip::tcp::socket& client) {
    return std::make_shared<client_watch>(client);
}

void client_watch::arm(const std::shared_ptr<client_watch>& self, std::chrono::milliseconds delay) {
    const auto generation = ++self->generation_;
    self->gone_ = false;
    self->timer_.expires_after(delay);
    self->timer_.async_wait([self, generation](const boost::system::error_code& ec) {
        if (!ec && generation == self->generation_ && self->client_) {
            start_wait(self, generation);
        }
    });
}

void client_watch::start_wait(const std::shared_ptr<client_watch>& self, std::uint64_t generation) {
    // async_wait costs an epoll_ctl; that is why it starts only after the delay.
    self->waiting_ = true;
    self->client_->async_wait(net::socket_base::wait_read,
                              [self, generation](const boost::system::error_code& ec) {
                                  self->waiting_ = false;
                                  if (!ec && generation == self->generation_ && self->client_) {
                                      self->on_readable(generation);
                                  }
                              });
}

void client_watch::on_readable(std::uint64_t) {
    char byte;
    boost::system::error_code ec;
    const auto n = client_->receive(net::buffer(&byte, 1), net::socket_base::message_peek, ec);
    if (n > 0) {
        return;  // a pipelined request waits: the client is still there
    }
    gone_ = true;
    if (upstream_) {
        upstream_->io.tcp().close();  // aborts the pending upstream read or write
    }
}

void client_watch::disarm() {
    ++generation_;
    timer_.cancel();
    if (waiting_ && client_) {
        boost::system::error_code ignored;
        client_->cancel(ignored);  // nothing else is pending on the client between phases
    }
}

void client_watch::detach() {
    disarm();
    client_ = nullptr;
}

}  // namespace tollgate::proxy

#include "tollgate/proxy/client_watch.hpp"

namespace tollgate::proxy {

void client_watch::start(const std::shared_ptr<client_watch>& self) {
    if (self->waiting_ || !self->client_) {
        return;
    }
    self->waiting_ = true;
    const auto generation = self->generation_;
    self->client_->async_wait(net::socket_base::wait_read,
                              [self, generation](const boost::system::error_code& ec) {
                                  self->waiting_ = false;
                                  if (!ec && generation == self->generation_ && self->client_) {
                                      self->on_readable();
                                  }
                              });
}

void client_watch::on_readable() {
    char byte;
    boost::system::error_code ec;
    const auto n = client_->receive(net::buffer(&byte, 1), net::socket_base::message_peek, ec);
    if (n > 0) {
        return;  // a pipelined request waits: the client is still there
    }
    gone_ = true;
    if (upstream_) {
        boost::system::error_code ignored;
        upstream_->close(ignored);  // aborts the pending upstream read or write
    }
}

void client_watch::stop() {
    ++generation_;
    upstream_ = nullptr;
    gone_ = false;
    if (waiting_ && client_) {
        boost::system::error_code ignored;
        client_->cancel(ignored);  // nothing else is pending on the client between phases
    }
}

void client_watch::detach() {
    stop();
    client_ = nullptr;
}

}  // namespace tollgate::proxy

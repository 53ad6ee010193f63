#include "scripted_upstream.hpp"

#include <arpa/inet.h>
#include <cstdio>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace tollgate::testing {

scripted_upstream::scripted_upstream(script s) : script_(std::move(s)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] { serve(); });
}

scripted_upstream::~scripted_upstream() {
    ::shutdown(fd_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    {
        std::lock_guard lock(m_);
        for (const int c : open_) {
            ::shutdown(c, SHUT_RDWR);  // wakes a script blocked on its connection
        }
    }
    for (auto& t : connections_) {
        t.join();
    }
    ::close(fd_);
}

// Each connection on its own thread: a gateway's workers each keep their own pooled
// connection, and one must not wait for another's to close.
void scripted_upstream::serve() {
    for (;;) {
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) {
            return;
        }
        ++accepted_;
        std::lock_guard lock(m_);
        open_.insert(c);
        connections_.emplace_back([this, c] {
            script_(c);
            std::lock_guard done(m_);
            open_.erase(c);
            ::close(c);
        });
    }
}

bool scripted_upstream::send_all(int fd, std::string_view bytes) {
    for (std::size_t sent = 0; sent < bytes.size();) {
        const auto k = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (k <= 0) {
            return false;
        }
        sent += static_cast<std::size_t>(k);
    }
    return true;
}

bool scripted_upstream::send_chunk(int fd, std::string_view data) {
    char size[32];
    const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    std::string out(size, static_cast<std::size_t>(n));
    out.append(data).append("\r\n");
    return send_all(fd, out);
}

namespace {

// More bytes of the connection into `pending`; false at its end (or after 10 s of silence).
bool receive(int fd, std::string& pending) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) {
        return false;
    }
    char buf[65536];
    const auto k = ::recv(fd, buf, sizeof buf, 0);
    if (k <= 0) {
        return false;
    }
    pending.append(buf, static_cast<std::size_t>(k));
    return true;
}

}  // namespace

bool scripted_upstream::read_request(int fd, std::string& pending) {
    std::size_t end;
    while ((end = pending.find("\r\n\r\n")) == std::string::npos) {
        if (!receive(fd, pending)) {
            return false;
        }
    }
    std::size_t length = 0;
    if (const auto at = pending.find("Content-Length: "); at != std::string::npos && at < end) {
        length = std::stoul(pending.substr(at + 16));
    }
    while (pending.size() < end + 4 + length) {
        if (!receive(fd, pending)) {
            return false;
        }
    }
    pending.erase(0, end + 4 + length);
    return true;
}

bool scripted_upstream::read_request(int fd) {
    std::string pending;
    return read_request(fd, pending);
}

}  // namespace tollgate::testing

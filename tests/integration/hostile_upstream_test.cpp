// Upstreams that answer in ways meant to exhaust the gateway: the real binary, a scripted
// upstream on a raw socket, and the gateway's resident memory read from /proc.
#include "harness.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

namespace tollgate::testing {
namespace {

// Answers one request with an SSE stream whose first line is `line_bytes` long and never
// ends before the body does, then a normal event.
class endless_line_upstream {
public:
    explicit endless_line_upstream(std::size_t line_bytes) : line_bytes_(line_bytes) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        ::listen(fd_, 4);
        thread_ = std::thread([this] { serve(); });
    }
    ~endless_line_upstream() {
        ::shutdown(fd_, SHUT_RDWR);
        thread_.join();
        ::close(fd_);
    }
    std::uint16_t port() const { return port_; }

private:
    void send_chunk(int c, const std::string& data) {
        char size[32];
        const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
        std::string out(size, static_cast<std::size_t>(n));
        out += data + "\r\n";
        for (std::size_t sent = 0; sent < out.size();) {
            const auto k = ::send(c, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
            if (k <= 0) {
                return;
            }
            sent += static_cast<std::size_t>(k);
        }
    }
    void serve() {
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) {
            return;
        }
        char buf[65536];
        ::recv(c, buf, sizeof buf, 0);  // the request (small)
        const std::string head =
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            "Transfer-Encoding: chunked\r\n\r\n";
        ::send(c, head.data(), head.size(), MSG_NOSIGNAL);
        send_chunk(c, "data: ");
        const std::string piece(1 << 20, 'x');
        for (std::size_t sent = 0; sent < line_bytes_; sent += piece.size()) {
            send_chunk(c, piece);
        }
        send_chunk(c, "\n\ndata: [DONE]\n\n");
        ::send(c, "0\r\n\r\n", 5, MSG_NOSIGNAL);
        std::this_thread::sleep_for(200ms);
        ::close(c);
    }

    std::size_t line_bytes_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

// Before: the usage reader and the event counter each buffered the line whole (a 256 MiB
// line: +786 MB). Now each holds at most 8 MiB of an event and drops the rest.
TEST(HostileUpstream, AnSseLineThatNeverEndsDoesNotGrowTheGateway) {
    endless_line_upstream up(128u << 20);  // 128 MiB in one line
    stack s("",
            "",
            "  - name: endless\n    url: http://127.0.0.1:" + std::to_string(up.port()) +
                "\n    models: [\"endless-*\"]\n");
    const long before = s.gateway().rss_kib();
    connection c(s.gateway_port());
    c.send(make_request(
        "POST", "/v1/chat/completions", R"({"model":"endless-1","stream":true,"messages":[]})"));
    std::size_t received = 0;
    long peak = before;
    for (;;) {
        const std::string got = c.read_some(10s);
        if (got.empty()) {
            break;
        }
        received += got.size();
        if (received % (8u << 20) < got.size()) {
            peak = std::max(peak, s.gateway().rss_kib());
        }
        if (got.find("[DONE]") != std::string::npos) {
            break;
        }
    }
    peak = std::max(peak, s.gateway().rss_kib());
    EXPECT_GT(received, 128u << 20);  // relayed, as a proxy must
    EXPECT_LT(peak - before, 64 * 1024) << "RSS grew " << (peak - before) << " KiB";
    std::printf("gateway RSS: %ld KiB before, %ld KiB peak while relaying a 128 MiB SSE line\n",
                before,
                peak);
}

}  // namespace
}  // namespace tollgate::testing

// scripted_upstream: an upstream on a raw socket whose every byte a test writes, for answers
// no well-behaved server gives (lines that never end, streams of comments, stalls). It listens
// on a port the kernel chose, bound before anyone learns the number, so parallel tests cannot
// race for it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace tollgate::testing {

class scripted_upstream {
public:
    /// Runs `script(fd)` for each accepted connection, each on its own thread (so it must be
    /// safe to run at once for several); the connection is closed when the script returns.
    using script = std::function<void(int fd)>;
    explicit scripted_upstream(script s);
    ~scripted_upstream();
    scripted_upstream(const scripted_upstream&) = delete;
    scripted_upstream& operator=(const scripted_upstream&) = delete;

    std::uint16_t port() const { return port_; }
    /// Connections accepted so far.
    unsigned accepted() const { return accepted_; }

    /// Sends all of `bytes`; false once the peer is gone.
    static bool send_all(int fd, std::string_view bytes);
    /// Sends `data` as one chunk of a chunked body.
    static bool send_chunk(int fd, std::string_view data);
    /// Reads one request, its head and its Content-Length body, taking it off the front of
    /// `pending` (what the connection sent beyond it stays there, for the next call). False
    /// when the connection ended (or was silent for 10 s) first.
    static bool read_request(int fd, std::string& pending);
    /// The same for a connection that carries one request.
    static bool read_request(int fd);

private:
    void serve();

    script script_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<unsigned> accepted_{0};
    std::mutex m_;
    std::set<int> open_;  // connections whose script runs
    std::vector<std::thread> connections_;
    std::thread thread_;
};

}  // namespace tollgate::testing

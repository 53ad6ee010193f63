// access_writer: the thread that writes access-log batches to a file descriptor (standard
// output), so that an io thread hands over a batch by moving one string. It replaced spdlog
// for access lines: spdlog copied each batch into its queue and again into its formatter,
// ~1.5k instructions per request on a ~36k budget. Lines are never dropped: when more than
// `max_pending_bytes` wait (the terminal or pipe cannot keep up), submit() waits for room.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tollgate::server {

class access_writer {
public:
    access_writer(int fd, std::size_t max_pending_bytes);
    /// Writes everything submitted, then stops the thread.
    ~access_writer();
    access_writer(const access_writer&) = delete;
    access_writer& operator=(const access_writer&) = delete;

    /// Queues `batch` (whole lines, each ending in '\n') for writing.
    void submit(std::string batch);

    /// Waits until everything submitted so far is written (or failed to be).
    void flush();

private:
    void run();

    const int fd_;
    const std::size_t max_pending_;
    std::mutex m_;
    std::condition_variable work_;  // something to write, or stopping
    std::condition_variable room_;  // pending bytes fell, or a flush completed
    std::vector<std::string> pending_;
    std::size_t pending_bytes_ = 0;
    std::uint64_t submitted_ = 0;  // batches, for flush()
    std::uint64_t written_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace tollgate::server

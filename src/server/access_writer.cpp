#include "tollgate/server/access_writer.hpp"

#include <cerrno>
#include <csignal>
#include <pthread.h>
#include <unistd.h>

namespace tollgate::server {
namespace {

// Writes all of `text`, or gives up on an error: a closed or broken output loses these lines
// but must not stop the gateway (the thread blocks SIGPIPE, so a closed pipe is EPIPE here).
void write_all(int fd, const std::string& text) {
    const char* at = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, at, left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        at += n;
        left -= static_cast<std::size_t>(n);
    }
}

}  // namespace

access_writer::access_writer(int fd, std::size_t max_pending_bytes)
    : fd_(fd), max_pending_(max_pending_bytes), thread_([this] { run(); }) {}

access_writer::~access_writer() {
    {
        std::lock_guard lock(m_);
        stopping_ = true;
    }
    work_.notify_one();
    thread_.join();
}

void access_writer::submit(std::string batch) {
    if (batch.empty()) {
        return;
    }
    std::unique_lock lock(m_);
    // One batch always fits, however large: a writer that waited for room no batch could
    // make would wait forever.
    room_.wait(lock, [&] { return pending_bytes_ == 0 || pending_bytes_ < max_pending_; });
    pending_bytes_ += batch.size();
    pending_.push_back(std::move(batch));
    ++submitted_;
    lock.unlock();
    work_.notify_one();
}

void access_writer::flush() {
    std::unique_lock lock(m_);
    const auto target = submitted_;
    room_.wait(lock, [&] { return written_ >= target; });
}

void access_writer::run() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    std::vector<std::string> batches;
    std::unique_lock lock(m_);
    for (;;) {
        work_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
        if (pending_.empty()) {
            return;  // stopping, and everything is written
        }
        batches.swap(pending_);
        lock.unlock();
        std::size_t bytes = 0;
        for (const auto& b : batches) {
            write_all(fd_, b);
            bytes += b.size();
        }
        const auto count = batches.size();
        batches.clear();
        lock.lock();
        pending_bytes_ -= bytes;
        written_ += count;
        room_.notify_all();
    }
}

}  // namespace tollgate::server

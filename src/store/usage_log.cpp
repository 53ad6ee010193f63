#include "tollgate/store/usage_log.hpp"

#include "tollgate/core/file_io.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace tollgate::store {

namespace {

std::string read_whole(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            return {};
        }
        throw std::runtime_error("usage log " + path + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw std::runtime_error("usage log " + path + ": not a regular file");
    }
    std::string bytes;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            ::close(fd);
            throw std::runtime_error("usage log " + path + ": " + std::strerror(errno));
        }
        if (n == 0) {
            break;
        }
        bytes.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return bytes;
}

}  // namespace

usage_log::usage_log(options o, quota::ledger& ledger, adaptive_mutex& lock)
    : o_(std::move(o)), ledger_(ledger), lock_(lock) {
    const std::string bytes = read_whole(o_.path);
    {
        std::lock_guard guard(lock_);
        replayed_ = usage_records::replay(bytes, ledger_);
    }
    if (replayed_.damaged > 0) {
        spdlog::warn(
            "usage log {}: skipped {} damaged records (a write torn by a crash, or a damaged "
            "disk); the usage they held is lost",
            o_.path,
            replayed_.damaged);
    }
    if (replayed_.charged_open > 0) {
        spdlog::warn(
            "usage log {}: {} reservations were open when the process stopped; charged in full",
            o_.path,
            replayed_.charged_open);
    }
    if (!compact()) {
        throw std::runtime_error("usage log " + o_.path +
                                 ": cannot write it: " + std::strerror(errno));
    }
    spdlog::info("usage log {}: {} records replayed", o_.path, replayed_.records);
    writer_ = std::thread([this] { run(); });
}

usage_log::~usage_log() {
    {
        std::lock_guard guard(wake_lock_);
        stopping_ = true;
    }
    wake_.notify_one();
    writer_.join();
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

void usage_log::run() {
    std::string lines;
    for (bool last = false; !last;) {
        {
            std::unique_lock guard(wake_lock_);
            wake_.wait_for(guard, o_.commit_interval, [this] { return stopping_; });
            last = stopping_;
        }
        bool full = false;
        {
            std::lock_guard guard(lock_);
            lines.append(pending_);  // after what a failed write left
            pending_.clear();
            full = size_ + lines.size() > o_.compact_bytes;
        }
        if (full) {
            if (compact()) {
                lines.clear();  // the snapshot holds them
                continue;
            }
        }
        if (!lines.empty() && commit(lines)) {
            lines.clear();
        }
    }
}

// One group commit: every line gathered since the last, one write, one fdatasync.
bool usage_log::commit(std::string& lines) {
    std::string out;
    out.reserve(lines.size() + lines.size() / 8);
    usage_records::checksum(lines, out);
    const bool ok = write_all(fd_, out) && (!o_.fsync || ::fdatasync(fd_) == 0);
    if (!ok) {
        // Cut a partial write off; the lines stay pending and are tried again.
        if (::ftruncate(fd_, static_cast<off_t>(size_)) == 0) {
            ::lseek(fd_, static_cast<off_t>(size_), SEEK_SET);
        }
        if (!failing_) {
            spdlog::error(
                "usage log {}: write failed ({}); usage is kept in memory and "
                "written when it can be",
                o_.path,
                std::strerror(errno));
        }
        failing_ = true;
        return false;
    }
    if (failing_) {
        spdlog::info("usage log {}: writing again", o_.path);
    }
    failing_ = false;
    size_ += out.size();
    return true;
}

// Rewrites the log as a snapshot of the ledger. The pending buffer is emptied in the same
// locked moment: what it held is in the snapshot.
bool usage_log::compact() {
    std::string lines;
    {
        std::lock_guard guard(lock_);
        usage_records::snapshot(lines, ledger_);
        pending_.clear();
    }
    std::string out;
    usage_records::checksum(lines, out);
    const std::string tmp = o_.path + ".compact";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return false;
    }
    if (!write_all(fd, out) || ::fsync(fd) != 0 || ::rename(tmp.c_str(), o_.path.c_str()) != 0) {
        ::close(fd);
        ::unlink(tmp.c_str());
        return false;
    }
    ::close(fd);
    sync_directory_of(o_.path);
    const int next = ::open(o_.path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (next < 0) {
        return false;
    }
    if (fd_ >= 0) {
        ::close(fd_);
    }
    fd_ = next;
    size_ = out.size();
    return true;
}

}  // namespace tollgate::store

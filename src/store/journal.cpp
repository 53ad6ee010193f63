#include "tollgate/store/journal.hpp"

#include "tollgate/auth/api_key.hpp"
#include "tollgate/core/file_io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace tollgate::store {
namespace {

std::string hex8(std::uint32_t v) {
    char out[9];
    std::snprintf(out, sizeof out, "%08x", v);
    return out;
}

// Why a journal line is bad, or "" when it is good (and `ops` is filled).
std::string check_line(std::string_view line, nlohmann::json& ops) {
    if (line.size() < 10 || line[8] != ' ') {
        return "no checksum";
    }
    const std::string_view body = line.substr(9);
    if (hex8(auth::crc32(body)) != line.substr(0, 8)) {
        return "checksum mismatch";
    }
    ops = nlohmann::json::parse(body, nullptr, false);
    if (!ops.is_array()) {
        return "not a JSON array";
    }
    return "";
}

}  // namespace

std::string encode_journal_line(const nlohmann::json& ops) {
    const std::string body = ops.dump();
    return hex8(auth::crc32(body)) + " " + body + "\n";
}

journal_contents decode_journal(std::string_view bytes) {
    journal_contents out;
    std::size_t pos = 0;
    std::size_t line_no = 0;
    while (pos < bytes.size()) {
        ++line_no;
        const std::size_t end = bytes.find('\n', pos);
        if (end == std::string_view::npos) {
            out.torn_tail = true;  // a write cut short by a crash
            return out;
        }
        nlohmann::json ops;
        const std::string why = check_line(bytes.substr(pos, end - pos), ops);
        if (!why.empty()) {
            if (end + 1 == bytes.size()) {
                out.torn_tail = true;
            } else {
                out.damage = "line " + std::to_string(line_no) + ": " + why;
            }
            return out;
        }
        out.batches.push_back(std::move(ops));
        pos = end + 1;
        out.good_bytes = pos;
    }
    return out;
}

std::pair<journal_file, journal_contents> journal_file::open(const std::string& path, bool fsync) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw std::runtime_error("store.path " + path + ": " + std::strerror(errno));
    }
    journal_file file(path, fd, 0, fsync);
    // A device or a pipe (/dev/zero, a FIFO) would be read without end: a journal is a file
    // that can be appended to and renamed over.
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        throw std::runtime_error("store.path " + path +
                                 ": not a regular file (the journal must be a file the gateway "
                                 "can append to and compact by renaming)");
    }
    std::string bytes;
    char buf[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw std::runtime_error("store.path " + path + ": " + std::strerror(errno));
        }
        if (n == 0) {
            break;
        }
        bytes.append(buf, static_cast<std::size_t>(n));
    }
    auto contents = decode_journal(bytes);
    if (!contents.damage.empty()) {
        throw std::runtime_error("store.path " + path + ": damaged journal at " + contents.damage +
                                 " (not a torn last write; refusing to start rather than lose "
                                 "records: restore a backup or cut the file there)");
    }
    if (contents.torn_tail && ::ftruncate(fd, static_cast<off_t>(contents.good_bytes)) != 0) {
        throw std::runtime_error("store.path " + path + ": " + std::strerror(errno));
    }
    file.size_ = contents.good_bytes;
    ::lseek(fd, static_cast<off_t>(file.size_), SEEK_SET);
    return {std::move(file), std::move(contents)};
}

journal_file::journal_file(journal_file&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      size_(other.size_),
      fsync_(other.fsync_),
      appended_(other.appended_) {}

journal_file& journal_file::operator=(journal_file&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        path_ = std::move(other.path_);
        fd_ = std::exchange(other.fd_, -1);
        size_ = other.size_;
        fsync_ = other.fsync_;
        appended_ = other.appended_;
    }
    return *this;
}

journal_file::~journal_file() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

bool journal_file::append(const nlohmann::json& ops) {
    const std::string line = encode_journal_line(ops);
    if (!write_all(fd_, line) || (fsync_ && ::fdatasync(fd_) != 0)) {
        // Cut off whatever part was written, so the next append starts on a clean line.
        if (::ftruncate(fd_, static_cast<off_t>(size_)) == 0) {
            ::lseek(fd_, static_cast<off_t>(size_), SEEK_SET);
        }
        return false;
    }
    size_ += line.size();
    ++appended_;
    return true;
}

bool journal_file::rewrite(const nlohmann::json& snapshot) {
    const std::string tmp = path_ + ".compact";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return false;
    }
    const std::string line = encode_journal_line(snapshot);
    const bool written = write_all(fd, line) && ::fsync(fd) == 0;
    if (!written || ::rename(tmp.c_str(), path_.c_str()) != 0) {
        ::close(fd);
        ::unlink(tmp.c_str());
        return false;
    }
    // The rename is durable once the directory is synced.
    sync_directory_of(path_);
    ::close(fd_);
    fd_ = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) {
        fd_ = fd;  // cannot happen short of the file vanishing; keep a valid descriptor
        return false;
    }
    ::close(fd);
    size_ = line.size();
    appended_ = 0;
    return true;
}

}  // namespace tollgate::store

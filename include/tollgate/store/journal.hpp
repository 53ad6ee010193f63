// The memory store's durability: an append-only journal of batches of operations, one line
// per batch: "<crc32 as 8 hex digits> <JSON array of ops>\n". A batch is applied whole or not
// at all, so one admin request is one line. Compaction rewrites the file as one snapshot
// (write a temporary file, fsync, rename, fsync the directory), so a crash leaves the old
// journal or the new one, never a mix.
//
// Recovery: a last line that is incomplete or fails its checksum is a write torn by a crash;
// it is skipped with a warning and cut off. A bad line before the last is not a torn write
// but damage: the store refuses to start rather than silently forget, say, a revocation.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tollgate::store {

/// One journal line for `ops` (a JSON array), newline included.
std::string encode_journal_line(const nlohmann::json& ops);

struct journal_contents {
    std::vector<nlohmann::json> batches;  // each a JSON array of ops, in order
    std::size_t good_bytes = 0;           // the end of the last whole, valid line
    bool torn_tail = false;               // a damaged last line was skipped
    std::string damage;                   // non-empty: "line N: why" before the end; refuse
};

/// Splits and checks journal bytes. Never throws.
journal_contents decode_journal(std::string_view bytes);

/// The open journal file. Not thread-safe: the memory store calls it under its lock.
class journal_file {
public:
    /// Opens or creates `path` and reads it. Throws std::runtime_error naming the file on an
    /// I/O error or damage before the tail; a torn tail is cut off and reported in the result.
    static std::pair<journal_file, journal_contents> open(const std::string& path, bool fsync);

    journal_file(journal_file&& other) noexcept;
    journal_file& operator=(journal_file&& other) noexcept;
    journal_file(const journal_file&) = delete;
    journal_file& operator=(const journal_file&) = delete;
    ~journal_file();

    /// Appends one batch and (if configured) fsyncs. False, with the file left as it was
    /// (any partial write is cut off), when the write fails.
    bool append(const nlohmann::json& ops);

    /// Replaces the whole journal by `snapshot` (a JSON array of ops). False on failure, with
    /// the old journal intact.
    bool rewrite(const nlohmann::json& snapshot);

    /// Batches appended since open or the last rewrite.
    std::size_t appended() const noexcept { return appended_; }
    const std::string& path() const noexcept { return path_; }

private:
    journal_file(std::string path, int fd, std::size_t size, bool fsync)
        : path_(std::move(path)), fd_(fd), size_(size), fsync_(fsync) {}

    std::string path_;
    int fd_ = -1;
    std::size_t size_ = 0;
    bool fsync_ = true;
    std::size_t appended_ = 0;
};

}  // namespace tollgate::store

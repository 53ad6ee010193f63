// The memory store's usage, made durable (store.path + ".usage"): every reservation,
// settlement and charge the quota ledger takes is appended, as one text record, to a buffer
// in memory by the io thread that made it (under the ledger's lock it already holds: a few
// hundred instructions, no I/O), and a writer thread of its own writes what gathered every
// store.usage_commit_interval in one write and one fdatasync: a group commit. io threads never
// wait on the disk.
//
// On start the log is replayed into the ledger: reservations as they were held, settlements,
// charges. Reservations still open at the end (the process died with them in flight) are
// charged in full, the rule Redis applies to a reservation whose gateway died. Then the log
// is rewritten as a snapshot of the ledger (compaction; also when it passes
// store.usage_compact_bytes): written to a temporary file, synced, renamed over.
//
// What a crash loses: what was applied after the last completed group commit (at most about
// one commit interval of records). A record is "<crc32 8 hex> <fields>\n"; one whose checksum
// fails (a write torn by the crash, or a damaged disk) is skipped with a warning, and the
// store starts: a usage log that refused to start would stop the gateway over one request's
// record.
#pragma once

#include "tollgate/core/adaptive_mutex.hpp"
#include "tollgate/quota/ledger.hpp"
#include "tollgate/store/usage_records.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>

namespace tollgate::store {

class usage_log {
public:
    struct options {
        std::string path;
        bool fsync = true;
        std::chrono::milliseconds commit_interval{10};
        std::size_t compact_bytes = 64 * 1024 * 1024;
    };

    /// Replays `o.path` into `ledger` (under `lock`), compacts it and starts the writer.
    /// Throws std::runtime_error naming the file when it cannot be read or written.
    usage_log(options o, quota::ledger& ledger, adaptive_mutex& lock);
    /// Commits what is pending and stops the writer.
    ~usage_log();
    usage_log(const usage_log&) = delete;
    usage_log& operator=(const usage_log&) = delete;

    /// The buffer the ledger's operations are appended to: only with `lock` held.
    std::string& pending() noexcept { return pending_; }

    const usage_records::replay_result& replayed() const noexcept { return replayed_; }

private:
    void run();
    bool commit(std::string& lines);
    bool compact();

    options o_;
    quota::ledger& ledger_;
    adaptive_mutex& lock_;
    std::string pending_;  // guarded by lock_
    usage_records::replay_result replayed_;
    int fd_ = -1;
    std::size_t size_ = 0;  // bytes in the file (writer thread)
    std::mutex wake_lock_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool failing_ = false;  // the last write failed (logged once until one succeeds)
    std::thread writer_;
};

}  // namespace tollgate::store

// The usage log's records (store/usage_log.hpp): one text line per quota operation the
// memory store's ledger took, and the ledger's whole state as such lines (the snapshot a
// compaction writes). Reading one back applies it to a ledger. Pure.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/quota/ledger.hpp"
#include "tollgate/quota/limits.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tollgate::store {

namespace usage_records {

/// Appends the record line (without checksum) of each operation to `out`.
void reserved(std::string& out,
              std::string_view consumer,
              std::string_view request_id,
              std::span<const config::limit> limits,
              const quota::amounts& want,
              std::int64_t now,
              std::int64_t deadline);
void settled(std::string& out,
             std::string_view consumer,
             std::string_view request_id,
             const quota::amounts& actual);
void added(std::string& out,
           std::string_view consumer,
           std::string_view request_id,
           std::span<const config::limit> limits,
           const quota::amounts& actual,
           std::int64_t at);
/// Every record of `ledger`'s state (what the snapshot holds).
void snapshot(std::string& out, const quota::ledger& ledger);

/// Applies one record line (without checksum) to `ledger`; false when it is not one.
bool apply(std::string_view line, quota::ledger& ledger);

/// Adds "<crc32> " before each line of `lines` (each ending in '\n') into `out`.
void checksum(std::string_view lines, std::string& out);

struct replay_result {
    std::size_t records = 0;
    std::size_t damaged = 0;       // lines skipped: checksum or content wrong
    std::size_t charged_open = 0;  // reservations open at the end, charged in full
};
/// Applies every checksummed line of `bytes`, then charges what is still open.
replay_result replay(std::string_view bytes, quota::ledger& ledger);

}  // namespace usage_records

}  // namespace tollgate::store

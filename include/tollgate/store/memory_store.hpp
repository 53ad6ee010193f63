// The embedded store (store.kind: memory): maps in this process behind one lock, made durable
// by an optional journal (store.path). Every mutation is written to the journal before it is
// applied, so a failed write changes nothing. The journal is compacted after
// store.compact_after batches. One instance only: invalidations stay in this process.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/store/store.hpp"

#include <memory>

namespace tollgate::store {

/// Opens the journal if configured. Throws std::runtime_error when the journal cannot be
/// opened or is damaged before its last record (a torn last record is skipped, logged).
std::unique_ptr<backend> make_memory_backend(const config::store_config& cfg);

}  // namespace tollgate::store

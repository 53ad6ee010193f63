// spdlog setup: the "tollgate" logger (stderr) and the "access" logger (stdout, one line per
// request, handed over in per-worker batches), both asynchronous so an io thread never waits
// on a terminal or file.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/server/access_log.hpp"

namespace tollgate::server {

void setup_logging(const config::log_config& cfg);

/// Hands a batch of formatted access lines (see access_batch) to the log thread. Thread-safe.
void write_access_batch(const std::string& lines);

}  // namespace tollgate::server

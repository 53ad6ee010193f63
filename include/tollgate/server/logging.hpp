// Logging setup: the "tollgate" spdlog logger (stderr) and the access log (stdout, one line per
// request, handed over in per-worker batches to an access_writer), both written by their own
// threads so an io thread never waits on a terminal or file.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/server/access_log.hpp"

#include <memory>

#include <spdlog/formatter.h>

namespace tollgate::server {

void setup_logging(const config::log_config& cfg);

/// The diagnostic lines' formatter for log.format json: one object per line, the message a
/// JSON string (quotes, backslashes and control characters escaped), time in UTC.
std::unique_ptr<spdlog::formatter> make_json_formatter();

/// Hands a batch of formatted access lines (see access_batch) to the access writer's thread.
/// Thread-safe; does nothing before setup_logging().
void write_access_batch(std::string lines);

/// Writes the pending access lines and stops the log threads (at exit).
void shutdown_logging();

}  // namespace tollgate::server

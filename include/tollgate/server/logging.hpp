// spdlog setup: the "tollgate" logger (stderr) and the "access" logger (stdout, one line per
// request), both asynchronous so an io thread never waits on a terminal or file.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/server/access_log.hpp"

namespace tollgate::server {

void setup_logging(const config::log_config& cfg);

/// Writes `r` to the access log when it is enabled. Thread-safe.
void log_access(const access_record& r, const config::log_config& cfg);

}  // namespace tollgate::server

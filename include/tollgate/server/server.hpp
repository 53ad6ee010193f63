// server: owns the workers, the accept loop (sockets handed round-robin to workers), and the
// signals: SIGTERM/SIGINT drain and exit, SIGHUP reloads the YAML file.
#pragma once

#include "tollgate/server/runtime.hpp"

#include <memory>
#include <string>

namespace tollgate::server {

/// Binds, serves until SIGTERM/SIGINT, drains, and returns the exit code. Throws on bind
/// failure (startup error).
int run_server(const std::string& config_path, std::shared_ptr<const runtime> rt);

}  // namespace tollgate::server

// Parsers for the scalar forms the YAML file uses: durations ("30s"), sizes ("16MiB"),
// listen addresses ("0.0.0.0:8080", "[::1]:80") and ${VAR} expansion. Pure functions.
#pragma once

#include "tollgate/config/config.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::config {

/// "250ms", "30s", "5m", "2h", "1d", or a bare number of seconds. nullopt if malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// "1024", "64KiB", "16MiB", "1GiB", "10kB", "5MB". nullopt if malformed or overflowing.
std::optional<std::size_t> parse_size(std::string_view text);

/// "host:port" or "[v6]:port". nullopt if malformed.
std::optional<endpoint> parse_endpoint(std::string_view text);

/// Looks a variable up; nullopt when unset.
using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

/// Expands ${VAR} and ${VAR:-default}; "$$" is a literal '$'. On an unset variable without a
/// default, returns nullopt and names it in `missing`.
std::optional<std::string> expand_env(std::string_view text,
                                      const env_lookup& lookup,
                                      std::string& missing);

}  // namespace tollgate::config

// load_config(): YAML file -> config, with every problem (file:line, key path, message) found
// in one pass. Unknown keys are problems, so a typo never silently falls back to a default.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/config/units.hpp"

#include <string>
#include <vector>

namespace tollgate::config {

struct problem {
    std::string file;
    int line = 0;          // 1-based; 0 when the problem has no single place
    std::string key_path;  // e.g. "upstreams[0].url"
    std::string message;
};

/// "file:line: key: message"
std::string to_string(const problem& p);

struct load_result {
    config value;
    std::vector<problem> problems;  // empty: `value` is usable
};

/// Reads and checks the file. `env` resolves ${VAR}; by default the process environment.
load_result load_config(const std::string& path, const env_lookup& env = {});

/// The same from YAML text (tests, reload of an already-read file); `file` names it in problems.
load_result parse_config(const std::string& yaml_text,
                         const std::string& file,
                         const env_lookup& env = {});

/// Cross-field checks that need the whole config (names unique, default_plan exists, ...).
std::vector<problem> validate(const config& c, const std::string& file);

}  // namespace tollgate::config

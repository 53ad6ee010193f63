// yaml_reader: typed, path-tracking access to a YAML tree that records problems instead of
// throwing. Private to src/config.
#pragma once

#include "tollgate/config/load.hpp"

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace tollgate::config {

class yaml_reader {
public:
    yaml_reader(std::string file, env_lookup env, std::vector<problem>& out)
        : file_(std::move(file)), env_(std::move(env)), problems_(out) {}

    void report(const YAML::Node& at, const std::string& path, std::string message);

    /// True if `n` is a map; reports it otherwise, and reports every key not in `known`.
    bool expect_map(const YAML::Node& n,
                    const std::string& path,
                    std::initializer_list<std::string_view> known);

    /// The scalar at `n` after ${VAR} expansion; nullopt (reported) if not a scalar.
    std::optional<std::string> scalar(const YAML::Node& n, const std::string& path);

    // Each get_* leaves `out` unchanged when map[key] is absent, and reports a bad value.
    void get(const YAML::Node& map, const std::string& path, const char* key, std::string& out);
    void get(const YAML::Node& map, const std::string& path, const char* key, bool& out);
    void get(const YAML::Node& map, const std::string& path, const char* key, double& out);
    void get(const YAML::Node& map, const std::string& path, const char* key, unsigned& out);
    void get_size(const YAML::Node& map,
                  const std::string& path,
                  const char* key,
                  std::size_t& out);
    void get_duration(const YAML::Node& map,
                      const std::string& path,
                      const char* key,
                      std::chrono::milliseconds& out);
    void get_endpoint(const YAML::Node& map,
                      const std::string& path,
                      const char* key,
                      endpoint& out);
    void get_strings(const YAML::Node& map,
                     const std::string& path,
                     const char* key,
                     std::vector<std::string>& out);

    template <class E>
    void get_enum(const YAML::Node& map,
                  const std::string& path,
                  const char* key,
                  E& out,
                  std::initializer_list<std::pair<std::string_view, E>> names) {
        std::string text;
        if (!take(map, path, key, text)) {
            return;
        }
        std::string allowed;
        for (const auto& [name, value] : names) {
            if (text == name) {
                out = value;
                return;
            }
            allowed += allowed.empty() ? "" : " | ";
            allowed += name;
        }
        report(map[key], join(path, key), "must be one of: " + allowed);
    }

    static std::string join(const std::string& path, std::string_view key);

private:
    /// map[key] as an expanded scalar; false when absent or bad (bad is reported).
    bool take(const YAML::Node& map, const std::string& path, const char* key, std::string& out);

    std::string file_;
    env_lookup env_;
    std::vector<problem>& problems_;
};

}  // namespace tollgate::config

#include "reader.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace tollgate::config {

std::string yaml_reader::join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

void yaml_reader::report(const YAML::Node& at, const std::string& path, std::string message) {
    int line = 0;
    if (at.IsDefined() && at.Mark().line >= 0) {
        line = at.Mark().line + 1;
    }
    problems_.push_back({file_, line, path, std::move(message)});
}

bool yaml_reader::expect_map(const YAML::Node& n,
                             const std::string& path,
                             std::initializer_list<std::string_view> known) {
    // IsDefined() first: yaml-cpp's Is*() throw on the node of an absent key.
    if (!n.IsDefined() || !n.IsMap()) {
        report(n, path, "must be a mapping");
        return false;
    }
    std::vector<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
        const auto key = it->first.Scalar();
        bool ok = false;
        for (auto k : known) {
            ok = ok || key == k;
        }
        if (!ok) {
            report(it->first, join(path, key), "unknown key");
        } else if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
            // yaml-cpp keeps the first silently; an operator who edited the second would
            // not see the change.
            report(it->first, join(path, key), "duplicate key (the first would win)");
        }
        seen.push_back(key);
    }
    return true;
}

std::optional<std::string> yaml_reader::scalar(const YAML::Node& n, const std::string& path) {
    if (!n.IsDefined() || !n.IsScalar()) {
        report(n, path, "must be a single value");
        return std::nullopt;
    }
    std::string missing;
    auto lookup = env_ ? env_ : [](const std::string& name) -> std::optional<std::string> {
        const char* v = std::getenv(name.c_str());
        return v ? std::optional<std::string>(v) : std::nullopt;
    };
    auto value = expand_env(n.Scalar(), lookup, missing);
    if (!value) {
        report(n, path, "environment variable " + missing + " is not set (use ${VAR:-default})");
    }
    return value;
}

bool yaml_reader::take(const YAML::Node& map,
                       const std::string& path,
                       const char* key,
                       std::string& out) {
    const YAML::Node n = map[key];
    if (!n.IsDefined() || n.IsNull()) {
        return false;
    }
    auto v = scalar(n, join(path, key));
    if (!v) {
        return false;
    }
    out = std::move(*v);
    return true;
}

void yaml_reader::get(const YAML::Node& map,
                      const std::string& path,
                      const char* key,
                      std::string& out) {
    take(map, path, key, out);
}

void yaml_reader::get(const YAML::Node& map, const std::string& path, const char* key, bool& out) {
    std::string text;
    if (!take(map, path, key, text)) {
        return;
    }
    if (text == "true") {
        out = true;
    } else if (text == "false") {
        out = false;
    } else {
        report(map[key], join(path, key), "must be true or false");
    }
}

void yaml_reader::get(const YAML::Node& map,
                      const std::string& path,
                      const char* key,
                      double& out) {
    std::string text;
    if (!take(map, path, key, text)) {
        return;
    }
    double v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || ptr != text.data() + text.size() || v < 0) {
        report(map[key], join(path, key), "must be a non-negative number");
        return;
    }
    out = v;
}

void yaml_reader::get(const YAML::Node& map,
                      const std::string& path,
                      const char* key,
                      unsigned& out) {
    std::string text;
    if (!take(map, path, key, text)) {
        return;
    }
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || ptr != text.data() + text.size()) {
        report(map[key], join(path, key), "must be a non-negative integer");
        return;
    }
    out = v;
}

void yaml_reader::get_size(const YAML::Node& map,
                           const std::string& path,
                           const char* key,
                           std::size_t& out) {
    std::string text;
    if (!take(map, path, key, text)) {
        return;
    }
    auto v = parse_size(text);
    if (!v) {
        report(map[key], join(path, key), "must be a size such as 16384, 64KiB or 16MiB");
        return;
    }
    out = *v;
}

void yaml_reader::get_duration(const YAML::Node& map,
                               const std::string& path,
                               const char* key,
                               std::chrono::milliseconds& out) {
    std::string text;
    if (!take(map, path, key, text)) {
        return;
    }
    auto v = parse_duration(text);
    if (!v) {
        report(map[key], join(path, key), "must be a duration such as 500ms, 30s, 5m or 1h");
        return;
    }
    out = *v;
}

void yaml_reader::get_endpoint(const YAML::Node& map,
                               const std::string& path,
                               const char* key,
                               endpoint& out) {
    std::string text;
    if (!take(map, path, key, text)) {
        return;
    }
    auto v = parse_endpoint(text);
    if (!v) {
        report(map[key], join(path, key), "must be host:port, e.g. 0.0.0.0:8080 or [::1]:8080");
        return;
    }
    out = *v;
}

void yaml_reader::get_strings(const YAML::Node& map,
                              const std::string& path,
                              const char* key,
                              std::vector<std::string>& out) {
    const YAML::Node n = map[key];
    if (!n.IsDefined() || n.IsNull()) {
        return;
    }
    const auto here = join(path, key);
    if (!n.IsSequence()) {
        report(n, here, "must be a list");
        return;
    }
    out.clear();
    for (std::size_t i = 0; i < n.size(); ++i) {
        if (auto v = scalar(n[i], here + "[" + std::to_string(i) + "]")) {
            out.push_back(std::move(*v));
        }
    }
}

}  // namespace tollgate::config

#include "tollgate/config/units.hpp"

#include <charconv>
#include <cstdint>
#include <limits>

namespace tollgate::config {
namespace {

// Splits "123unit" into its leading integer and the rest; false when no digits lead.
bool split_number(std::string_view text, std::uint64_t& number, std::string_view& unit) {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, number);
    if (ec != std::errc{} || ptr == text.data()) {
        return false;
    }
    unit = std::string_view(ptr, static_cast<std::size_t>(end - ptr));
    while (!unit.empty() && unit.front() == ' ') {
        unit.remove_prefix(1);
    }
    return true;
}

std::optional<std::uint64_t> checked_multiply(std::uint64_t a, std::uint64_t b) {
    if (b != 0 && a > std::numeric_limits<std::uint64_t>::max() / b) {
        return std::nullopt;
    }
    return a * b;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    std::uint64_t n = 0;
    std::string_view unit;
    if (!split_number(text, n, unit)) {
        return std::nullopt;
    }
    std::uint64_t factor = 0;
    if (unit == "ms") {
        factor = 1;
    } else if (unit.empty() || unit == "s") {
        factor = 1000;
    } else if (unit == "m") {
        factor = 60'000;
    } else if (unit == "h") {
        factor = 3'600'000;
    } else if (unit == "d") {
        factor = 86'400'000;
    } else {
        return std::nullopt;
    }
    auto ms = checked_multiply(n, factor);
    if (!ms || *ms > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(*ms));
}

std::optional<std::size_t> parse_size(std::string_view text) {
    std::uint64_t n = 0;
    std::string_view unit;
    if (!split_number(text, n, unit)) {
        return std::nullopt;
    }
    struct suffix {
        std::string_view name;
        std::uint64_t factor;
    };
    static constexpr suffix suffixes[] = {
        {"", 1},
        {"B", 1},
        {"KiB", 1ull << 10},
        {"MiB", 1ull << 20},
        {"GiB", 1ull << 30},
        {"kB", 1000},
        {"KB", 1000},
        {"MB", 1000'000},
        {"GB", 1000'000'000},
    };
    for (const auto& s : suffixes) {
        if (unit == s.name) {
            auto bytes = checked_multiply(n, s.factor);
            if (!bytes || *bytes > std::numeric_limits<std::size_t>::max()) {
                return std::nullopt;
            }
            return static_cast<std::size_t>(*bytes);
        }
    }
    return std::nullopt;
}

std::optional<endpoint> parse_endpoint(std::string_view text) {
    endpoint out;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return std::nullopt;
        }
        out.host = std::string(text.substr(1, close - 1));
        port_text = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos || text.find(':') != colon) {
            return std::nullopt;
        }
        out.host = std::string(text.substr(0, colon));
        port_text = text.substr(colon + 1);
    }
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (out.host.empty() || ec != std::errc{} || ptr != port_text.data() + port_text.size() ||
        port > 65535) {
        return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(port);
    return out;
}

std::optional<std::string> expand_env(std::string_view text,
                                      const env_lookup& lookup,
                                      std::string& missing) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '$' || i + 1 >= text.size()) {
            out += text[i];
            continue;
        }
        if (text[i + 1] == '$') {
            out += '$';
            ++i;
            continue;
        }
        if (text[i + 1] != '{') {
            out += '$';
            continue;
        }
        auto close = text.find('}', i + 2);
        if (close == std::string_view::npos) {
            missing = std::string(text.substr(i));
            return std::nullopt;
        }
        std::string_view inner = text.substr(i + 2, close - i - 2);
        std::optional<std::string> fallback;
        if (auto dash = inner.find(":-"); dash != std::string_view::npos) {
            fallback = std::string(inner.substr(dash + 2));
            inner = inner.substr(0, dash);
        }
        auto value = lookup(std::string(inner));
        if (!value || (value->empty() && fallback)) {
            if (!fallback) {
                missing = std::string(inner);
                return std::nullopt;
            }
            value = fallback;
        }
        out += *value;
        i = close;
    }
    return out;
}

}  // namespace tollgate::config

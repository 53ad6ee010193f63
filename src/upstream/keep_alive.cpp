#include "tollgate/upstream/keep_alive.hpp"

#include <algorithm>
#include <charconv>

namespace tollgate::upstream {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

bool iequals_ascii(std::string_view a, std::string_view lower) {
    return a.size() == lower.size() &&
           std::equal(a.begin(), a.end(), lower.begin(), [](char x, char y) {
               return (x >= 'A' && x <= 'Z' ? static_cast<char>(x - 'A' + 'a') : x) == y;
           });
}

}  // namespace

std::optional<std::chrono::seconds> keep_alive_timeout(std::string_view value) {
    while (!value.empty()) {
        const auto comma = value.find(',');
        const std::string_view param = trim(value.substr(0, comma));
        value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
        const auto eq = param.find('=');
        if (eq == std::string_view::npos || !iequals_ascii(trim(param.substr(0, eq)), "timeout")) {
            continue;
        }
        std::string_view number = trim(param.substr(eq + 1));
        if (number.size() >= 2 && number.front() == '"' && number.back() == '"') {
            number = number.substr(1, number.size() - 2);
        }
        long long n = 0;
        const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
        if (ec != std::errc{} || end != number.data() + number.size() || n < 0) {
            return std::nullopt;
        }
        return std::chrono::seconds(std::min<long long>(n, 365LL * 24 * 3600));
    }
    return std::nullopt;
}

std::chrono::milliseconds idle_limit(std::chrono::milliseconds configured,
                                     std::optional<std::chrono::seconds> hint) {
    if (!hint) {
        return configured;
    }
    if (*hint <= std::chrono::seconds(1)) {
        return std::chrono::milliseconds(0);
    }
    return std::min<std::chrono::milliseconds>(configured, *hint - std::chrono::seconds(1));
}

}  // namespace tollgate::upstream

#include "tollgate/core/rfc3339.hpp"

#include <chrono>
#include <cstdio>

namespace tollgate {
namespace {

// Reads exactly `n` decimal digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) noexcept {
    if (pos + n > s.size()) {
        return false;
    }
    out = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9') {
            return false;
        }
        out = out * 10 + (c - '0');
    }
    pos += n;
    return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) noexcept {
    if (pos < s.size() && s[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339(std::string_view s) noexcept {
    using namespace std::chrono;
    std::size_t pos = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!digits(s, pos, 4, y) || !expect(s, pos, '-') || !digits(s, pos, 2, mo) ||
        !expect(s, pos, '-') || !digits(s, pos, 2, d)) {
        return std::nullopt;
    }
    if (!(expect(s, pos, 'T') || expect(s, pos, 't')) || !digits(s, pos, 2, h) ||
        !expect(s, pos, ':') || !digits(s, pos, 2, mi) || !expect(s, pos, ':') ||
        !digits(s, pos, 2, sec)) {
        return std::nullopt;
    }
    if (expect(s, pos, '.')) {
        const std::size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            ++pos;
        }
        if (pos == start) {
            return std::nullopt;
        }
    }
    int offset = 0;
    if (expect(s, pos, 'Z') || expect(s, pos, 'z')) {
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        const int sign = s[pos++] == '-' ? -1 : 1;
        int oh = 0, om = 0;
        if (!digits(s, pos, 2, oh) || !expect(s, pos, ':') || !digits(s, pos, 2, om) || oh > 23 ||
            om > 59) {
            return std::nullopt;
        }
        offset = sign * (oh * 3600 + om * 60);
    } else {
        return std::nullopt;
    }
    const year_month_day date{
        year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (pos != s.size() || !date.ok() || h > 23 || mi > 59 || sec > 60) {
        return std::nullopt;
    }
    const auto days = sys_days(date).time_since_epoch().count();
    return static_cast<std::int64_t>(days) * 86400 + h * 3600 + mi * 60 + sec - offset;
}

std::string format_rfc3339(std::int64_t seconds) {
    using namespace std::chrono;
    const sys_seconds t{std::chrono::seconds(seconds)};
    const auto day_start = floor<days>(t);
    const year_month_day date{day_start};
    const hh_mm_ss time{t - day_start};
    char out[32];
    std::snprintf(out,
                  sizeof out,
                  "%04d-%02u-%02uT%02d:%02d:%02dZ",
                  static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return out;
}

std::int64_t unix_now() noexcept {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace tollgate

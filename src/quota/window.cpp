#include "tollgate/quota/window.hpp"

#include <chrono>

namespace tollgate::quota {
namespace {

// Floor division: -1 / 60 is -1, not 0, so times before 1970 still fall in the right window.
std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

span fixed(std::int64_t t, std::int64_t length) noexcept {
    const std::int64_t start = floor_div(t, length) * length;
    return {start, start + length};
}

}  // namespace

span window_at(config::window w, std::int64_t t) noexcept {
    using namespace std::chrono;
    constexpr std::int64_t day = 86400;
    switch (w) {
        case config::window::second:
            return fixed(t, 1);
        case config::window::minute:
            return fixed(t, 60);
        case config::window::hour:
            return fixed(t, 3600);
        case config::window::day:
            return fixed(t, day);
        case config::window::week: {
            // 1970-01-01 was a Thursday: Monday-based weeks start 3 days into the epoch's.
            const std::int64_t days = floor_div(t, day);
            const std::int64_t monday = days - (((days + 3) % 7) + 7) % 7;
            return {monday * day, (monday + 7) * day};
        }
        case config::window::month: {
            const sys_days today{days(floor_div(t, day))};
            const year_month_day ymd{today};
            const sys_days first{ymd.year() / ymd.month() / 1};
            const sys_days next{(ymd.year() / ymd.month() + months(1)) / 1};
            return {first.time_since_epoch().count() * day, next.time_since_epoch().count() * day};
        }
    }
    return fixed(t, 60);
}

std::string_view window_name(config::window w) noexcept {
    switch (w) {
        case config::window::second:
            return "second";
        case config::window::minute:
            return "minute";
        case config::window::hour:
            return "hour";
        case config::window::day:
            return "day";
        case config::window::week:
            return "week";
        case config::window::month:
            return "month";
    }
    return "minute";
}

std::string_view metric_name(config::metric m) noexcept {
    switch (m) {
        case config::metric::tokens:
            return "tokens";
        case config::metric::prompt_tokens:
            return "prompt_tokens";
        case config::metric::completion_tokens:
            return "completion_tokens";
        case config::metric::requests:
            return "requests";
        case config::metric::cost_usd:
            return "cost_usd";
    }
    return "tokens";
}

}  // namespace tollgate::quota

// Quota windows: the span of time a limit counts over. second, minute and hour are fixed
// lengths; day, week (ISO, from Monday) and month are calendar spans in UTC, so a "day"
// limit resets at midnight UTC and a "month" limit on the 1st. Pure.
#pragma once

#include "tollgate/config/config.hpp"

#include <cstdint>
#include <string_view>

namespace tollgate::quota {

struct span {
    std::int64_t start = 0;  // Unix seconds, inclusive
    std::int64_t end = 0;    // Unix seconds, exclusive: when the window resets

    bool operator==(const span&) const = default;
};

/// The window of kind `w` that contains `unix_seconds`.
span window_at(config::window w, std::int64_t unix_seconds) noexcept;

/// "second", "minute", ... as the YAML and the usage route spell them.
std::string_view window_name(config::window w) noexcept;
std::string_view metric_name(config::metric m) noexcept;

}  // namespace tollgate::quota

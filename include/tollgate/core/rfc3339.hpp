// RFC 3339 timestamps <-> Unix seconds (UTC). The Admin API speaks RFC 3339; the store keeps
// integers. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate {

/// "2026-11-24T10:00:00Z", "...T10:00:00.5+02:00" -> seconds since the epoch (fractions are
/// dropped); nullopt for anything else.
std::optional<std::int64_t> parse_rfc3339(std::string_view text) noexcept;

/// Seconds since the epoch -> "2026-11-24T10:00:00Z".
std::string format_rfc3339(std::int64_t seconds);

/// The current wall-clock time in Unix seconds.
std::int64_t unix_now() noexcept;

}  // namespace tollgate

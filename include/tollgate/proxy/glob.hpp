// glob_match: shell-style '*' and '?' matching for model patterns such as "gpt-4o*". Pure.
#pragma once

#include <string_view>

namespace tollgate::proxy {

/// True when `text` matches `pattern` ('*' any run, '?' any one byte). Linear time.
bool glob_match(std::string_view pattern, std::string_view text) noexcept;

/// True when the pattern has no wildcard, so it names exactly one model.
bool is_literal(std::string_view pattern) noexcept;

}  // namespace tollgate::proxy

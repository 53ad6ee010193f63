// json_children: the members of a JSON object, or the elements of an array, one level down,
// from text that json_object_scanner already validated (so no error paths beyond stopping at
// the end). Yields raw views like json_object_scanner's; no allocation, no recursion. Pure.
#pragma once

#include "tollgate/tokens/json_scan.hpp"

#include <initializer_list>
#include <optional>
#include <string_view>

namespace tollgate::tokens {

class json_children {
public:
    /// `container`: an object's or array's raw text, brackets included.
    explicit json_children(std::string_view container) noexcept;

    /// The next member (key empty for array elements), or nullopt at the end.
    std::optional<json_member> next() noexcept;

private:
    void skip_separators() noexcept;
    std::string_view string_body() noexcept;  // at the opening quote; leaves pos_ after it
    std::string_view container_text() noexcept;

    std::string_view text_;
    std::size_t pos_ = 1;
    bool object_ = false;
};

/// The member at `path` (keys, one per level) in an object's raw text, or nullopt. Keys are
/// compared raw (unescaped keys, which is what every provider sends).
std::optional<json_member> json_find(std::string_view object,
                                     std::initializer_list<std::string_view> path) noexcept;

/// A number member's value, or nullopt for anything else.
std::optional<double> json_number(const json_member& m) noexcept;

}  // namespace tollgate::tokens

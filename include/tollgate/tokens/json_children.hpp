// json_children: the members of a JSON object, or the elements of an array, one level down,
// from text that json_object_scanner already validated (so no error paths beyond stopping at
// the end). Yields raw views like json_object_scanner's; no allocation, no recursion. Pure.
#pragma once

#include "tollgate/tokens/json_scan.hpp"

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

}  // namespace tollgate::tokens

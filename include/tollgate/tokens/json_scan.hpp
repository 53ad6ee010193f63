// json_object_scanner: validates a JSON text (RFC 8259: strict grammar, UTF-8, escapes,
// surrogate pairs) that must be one object, and yields its top-level members as raw views,
// without allocating and without recursion (nesting bounded by max_depth). Pure; the request
// hot path uses it instead of a DOM or SAX parser.
#pragma once

#include "tollgate/tokens/json_string.hpp"

#include <bitset>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::tokens {

enum class json_kind { string, number, true_value, false_value, null, object, array };

struct json_member {
    std::string_view key;  // raw: between the quotes, escapes not decoded
    json_kind kind;
    std::string_view value;  // raw: strings without quotes; containers with their brackets
};

enum class json_status { ok, invalid, too_deep };

/// How the scanner treats a member's object or array value: `validate` checks its grammar
/// (requests); `skim` only finds where it ends (its brackets and depth, stepping over strings
/// and their escapes; nested grammar and text unchecked), for upstream answers that are relayed as
/// they are and read only for a top-level member such as `usage`. For valid JSON both give the same
/// members.
enum class json_nested { validate, skim };

class json_object_scanner {
public:
    /// Deepest nesting the scanner accepts at all; max_depth is clamped to it.
    static constexpr std::size_t depth_capacity = 1024;

    json_object_scanner(std::string_view text,
                        std::size_t max_depth,
                        json_nested nested = json_nested::validate) noexcept;

    /// The next top-level member, or nullopt at the end or on an error (see status()).
    std::optional<json_member> next() noexcept;

    /// ok once next() returned nullopt after a complete, valid object.
    json_status status() const noexcept { return status_; }

private:
    bool fail(json_status s) noexcept;
    void skip_ws() noexcept;
    bool scan_string() noexcept;  // at the opening quote; leaves pos_ after the closing one
    [[gnu::noinline]] bool scan_string_special() noexcept;  // at an escape, control or UTF-8 byte
    bool scan_number() noexcept;
    bool scan_literal(std::string_view word) noexcept;
    bool scan_nested() noexcept;
    bool skim_nested() noexcept;         // at '{' or '[': to after its match, by brackets
    bool scan_key_and_colon() noexcept;  // at '{' or '[' of a member's value

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t max_depth_;
    json_status status_ = json_status::ok;
    json_nested nested_;
    bool started_ = false;
    bool done_ = false;
    std::bitset<depth_capacity> in_object_;  // per nesting level: object (1) or array (0)
};

}  // namespace tollgate::tokens

// The filters of a consumer listing (GET /v1/consumers?plan=&disabled=&metadata.KEY=). Pure.
#pragma once

#include "tollgate/admin/input.hpp"
#include "tollgate/store/records.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tollgate::admin {

/// The filters of GET /v1/consumers: ?plan=, ?disabled=true|false, ?metadata.KEY=VALUE (a
/// string member equal to VALUE, or another member whose JSON text is VALUE); all must hold.
struct consumer_filter {
    std::optional<std::string> plan;
    std::optional<bool> disabled;
    std::vector<std::pair<std::string, std::string>> metadata;
    bool empty() const noexcept { return !plan && !disabled && metadata.empty(); }
};
std::variant<consumer_filter, bad_input> parse_consumer_filter(std::string_view target);
bool matches(const consumer_filter& f, const store::consumer& c);

}  // namespace tollgate::admin

#include "tollgate/admin/consumer_filter.hpp"

#include "tollgate/admin/routes.hpp"

namespace tollgate::admin {

using json = nlohmann::json;

std::variant<consumer_filter, bad_input> parse_consumer_filter(std::string_view target) {
    consumer_filter f;
    for (auto& [name, value] : query_params(target)) {
        if (name == "plan") {
            f.plan = std::move(value);
        } else if (name == "disabled") {
            if (value != "true" && value != "false") {
                return bad_input{"disabled", "must be true or false"};
            }
            f.disabled = value == "true";
        } else if (name.starts_with("metadata.") && name.size() > 9) {
            f.metadata.emplace_back(name.substr(9), std::move(value));
        } else if (name != "limit" && name != "cursor") {
            return bad_input{name, "is not a filter (plan, disabled, metadata.KEY, limit, cursor)"};
        }
    }
    return f;
}

bool matches(const consumer_filter& f, const store::consumer& c) {
    if (f.plan && c.plan != *f.plan) {
        return false;
    }
    if (f.disabled && c.disabled != *f.disabled) {
        return false;
    }
    for (const auto& [key, want] : f.metadata) {
        if (!c.metadata.is_object() || !c.metadata.contains(key)) {
            return false;
        }
        const json& v = c.metadata[key];
        if (!(v.is_string() ? v.get_ref<const std::string&>() == want : v.dump() == want)) {
            return false;
        }
    }
    return true;
}

}  // namespace tollgate::admin

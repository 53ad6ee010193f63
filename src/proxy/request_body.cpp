#include "tollgate/proxy/request_body.hpp"

#include "tollgate/tokens/json_scan.hpp"

namespace tollgate::proxy {
namespace {

// Compares a raw (possibly escaped) JSON key with a plain name.
bool key_is(std::string_view raw, std::string_view name) {
    if (raw.find('\\') == std::string_view::npos) {
        return raw == name;
    }
    const auto decoded = tokens::json_unescape(raw);
    return decoded && *decoded == name;
}

}  // namespace

result<request_fields> scan_request_body(std::string_view body, std::size_t max_depth) {
    tokens::json_object_scanner scanner(body, max_depth);
    request_fields out;
    bool has_model = false;
    while (const auto member = scanner.next()) {
        // The last occurrence of a duplicated key wins, as in most JSON parsers.
        if (key_is(member->key, "model")) {
            has_model = false;
            if (member->kind == tokens::json_kind::string) {
                if (auto model = tokens::json_unescape(member->value)) {
                    out.model = std::move(*model);
                    has_model = true;
                }
            }
        } else if (key_is(member->key, "stream")) {
            out.stream = member->kind == tokens::json_kind::true_value;
        }
    }
    switch (scanner.status()) {
        case tokens::json_status::too_deep:
            return error::json_too_deep;
        case tokens::json_status::invalid:
            return error::invalid_json;
        case tokens::json_status::ok:
            break;
    }
    if (!has_model || out.model.empty()) {
        return error::missing_model;
    }
    return out;
}

}  // namespace tollgate::proxy

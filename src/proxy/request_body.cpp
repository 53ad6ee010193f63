#include "tollgate/proxy/request_body.hpp"

#include "tollgate/tokens/json_scan.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

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

// A non-negative JSON integer, or nullopt (floats, negatives, strings: left to the upstream).
std::optional<std::int64_t> integer_of(const tokens::json_member& m) {
    if (m.kind != tokens::json_kind::number) {
        return std::nullopt;
    }
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(m.value.data(), m.value.data() + m.value.size(), v);
    if (ec != std::errc() || end != m.value.data() + m.value.size() || v < 0) {
        return std::nullopt;
    }
    return v;
}

// The slot of a prompt-bearing member, or nullptr.
std::optional<tokens::json_member>* prompt_slot(std::string_view raw, metering::prompt_members& p) {
    const std::pair<std::string_view, std::optional<tokens::json_member>*> slots[] = {
        {"messages", &p.messages},
        {"prompt", &p.prompt},
        {"input", &p.input},
        {"system", &p.system},
        {"instructions", &p.instructions},
        {"tools", &p.tools},
        {"functions", &p.functions}};
    for (const auto& [name, slot] : slots) {
        if (key_is(raw, name)) {
            return slot;
        }
    }
    return nullptr;
}

// stream_options: whether it asks for usage, and where (for the gateway to ask instead).
void read_stream_options(const tokens::json_member& m, request_fields& out) {
    out.stream_options_raw = m.value;
    out.include_usage = false;
    out.include_usage_raw = {};
    if (m.kind != tokens::json_kind::object) {
        return;
    }
    tokens::json_object_scanner inner(m.value, 4);
    while (const auto f = inner.next()) {
        if (key_is(f->key, "include_usage")) {
            out.include_usage = f->kind == tokens::json_kind::true_value;
            out.include_usage_raw = f->value;
        }
    }
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
        } else if (key_is(member->key, "stream_options")) {
            read_stream_options(*member, out);
        } else if (key_is(member->key, "n")) {
            out.n = std::max<std::int64_t>(1, integer_of(*member).value_or(1));
        } else if (auto* slot = prompt_slot(member->key, out.prompt)) {
            if (*slot) {
                out.prompt_bytes -= (*slot)->value.size();  // a duplicate: the last one wins
            }
            *slot = *member;
            out.prompt_bytes += member->value.size();
        } else {
            for (std::string_view field :
                 {"max_tokens", "max_completion_tokens", "max_output_tokens"}) {
                if (key_is(member->key, field)) {
                    out.max_tokens = integer_of(*member);
                    out.max_tokens_field = out.max_tokens ? field : std::string_view();
                    out.max_tokens_raw = out.max_tokens ? member->value : std::string_view();
                }
            }
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

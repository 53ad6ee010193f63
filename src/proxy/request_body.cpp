#include "tollgate/proxy/request_body.hpp"

#include "tollgate/tokens/json_scan.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

namespace tollgate::proxy {
namespace {

// The members the gateway reads; anything else is relayed untouched.
enum class member_name {
    other,
    model,
    stream,
    stream_options,
    n,
    messages,
    prompt,
    input,
    system,
    instructions,
    tools,
    functions,
    max_tokens,
    max_completion_tokens,
    max_output_tokens,
};

// One length switch and at most three compares per member, not a compare per known name.
member_name name_of(std::string_view key) {
    using enum member_name;
    switch (key.size()) {
        case 1:
            return key == "n" ? n : other;
        case 5:
            return key == "model" ? model : key == "input" ? input : key == "tools" ? tools : other;
        case 6:
            return key == "stream"   ? stream
                   : key == "prompt" ? prompt
                   : key == "system" ? system
                                     : other;
        case 8:
            return key == "messages" ? messages : other;
        case 9:
            return key == "functions" ? functions : other;
        case 10:
            return key == "max_tokens" ? max_tokens : other;
        case 12:
            return key == "instructions" ? instructions : other;
        case 14:
            return key == "stream_options" ? stream_options : other;
        case 17:
            return key == "max_output_tokens" ? max_output_tokens : other;
        case 21:
            return key == "max_completion_tokens" ? max_completion_tokens : other;
        default:
            return other;
    }
}

// A raw (possibly escaped) JSON key's name.
member_name classify(std::string_view raw) {
    if (raw.find('\\') == std::string_view::npos) {
        return name_of(raw);
    }
    const auto decoded = tokens::json_unescape(raw);
    return decoded ? name_of(*decoded) : member_name::other;
}

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
std::optional<tokens::json_member>* prompt_slot(member_name name, metering::prompt_members& p) {
    switch (name) {
        case member_name::messages:
            return &p.messages;
        case member_name::prompt:
            return &p.prompt;
        case member_name::input:
            return &p.input;
        case member_name::system:
            return &p.system;
        case member_name::instructions:
            return &p.instructions;
        case member_name::tools:
            return &p.tools;
        case member_name::functions:
            return &p.functions;
        default:
            return nullptr;
    }
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
        const member_name name = classify(member->key);
        switch (name) {
            case member_name::other:
                break;
            case member_name::model:
                has_model = false;
                if (member->kind == tokens::json_kind::string) {
                    if (auto model = tokens::json_unescape(member->value)) {
                        out.model = std::move(*model);
                        out.model_raw = member->value;
                        has_model = true;
                    }
                }
                break;
            case member_name::stream:
                out.stream = member->kind == tokens::json_kind::true_value;
                break;
            case member_name::stream_options:
                read_stream_options(*member, out);
                break;
            case member_name::n:
                out.n = std::max<std::int64_t>(1, integer_of(*member).value_or(1));
                break;
            case member_name::max_tokens:
            case member_name::max_completion_tokens:
            case member_name::max_output_tokens:
                out.max_tokens = integer_of(*member);
                out.max_tokens_field = !out.max_tokens                   ? std::string_view()
                                       : name == member_name::max_tokens ? "max_tokens"
                                       : name == member_name::max_output_tokens
                                           ? "max_output_tokens"
                                           : "max_completion_tokens";
                out.max_tokens_raw = out.max_tokens ? member->value : std::string_view();
                break;
            default: {
                auto* slot = prompt_slot(name, out.prompt);
                if (*slot) {
                    out.prompt_bytes -= (*slot)->value.size();  // a duplicate: the last one wins
                }
                *slot = *member;
                out.prompt_bytes += member->value.size();
                break;
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

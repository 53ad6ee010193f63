#include "tollgate/proxy/request_body.hpp"

#include "tollgate/tokens/json_scan.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
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

// A JSON integer from `least` to `most`, or nullopt (floats, out of range, strings, ...).
std::optional<std::int64_t> integer_of(const tokens::json_member& m,
                                       std::int64_t least,
                                       std::int64_t most) {
    if (m.kind != tokens::json_kind::number) {
        return std::nullopt;
    }
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(m.value.data(), m.value.data() + m.value.size(), v);
    if (ec != std::errc() || end != m.value.data() + m.value.size() || v < least || v > most) {
        return std::nullopt;
    }
    return v;
}

constexpr std::int64_t max_completion_limit = 1'000'000'000;

// The whole member, "key": value, as a view into the body.
std::string_view member_text(const tokens::json_member& m) {
    const char* begin = m.key.data() - 1;  // the key's opening quote
    const char* end = m.value.data() + m.value.size() + (m.kind == tokens::json_kind::string);
    return {begin, static_cast<std::size_t>(end - begin)};
}

// Rank of a completion limit for `kind`: 0 is not read by that API, higher wins.
int limit_rank(member_name name, api kind) {
    switch (kind) {
        case api::responses:
            return name == member_name::max_output_tokens ? 1 : 0;
        case api::chat_completions:
            // OpenAI's chat API deprecates max_tokens for max_completion_tokens, and servers
            // that take both (vLLM) prefer the latter.
            return name == member_name::max_completion_tokens ? 2
                   : name == member_name::max_tokens          ? 1
                                                              : 0;
        case api::embeddings:
            return 0;
        default:
            return name == member_name::max_tokens ? 1 : 0;
    }
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

result<request_fields> scan_request_body(std::string_view body, std::size_t max_depth, api kind) {
    tokens::json_object_scanner scanner(body, max_depth);
    request_fields out;
    bool has_model = false;
    std::uint32_t seen = 0;  // bit per member_name read
    int limit_at = 0;        // rank of the completion limit taken so far
    std::string_view limit_member;
    while (const auto member = scanner.next()) {
        const member_name name = classify(member->key);
        if (name == member_name::other) {
            continue;
        }
        // One reading of the request: a member we read twice could be read the other way
        // by the upstream (first wins, last wins), so it is refused, not guessed.
        const std::uint32_t bit = 1u << static_cast<unsigned>(name);
        if ((seen & bit) != 0) {
            return error::duplicate_member;
        }
        seen |= bit;
        const bool is_null = member->kind == tokens::json_kind::null;
        switch (name) {
            case member_name::other:
                break;
            case member_name::model:
                if (member->kind == tokens::json_kind::string) {
                    if (auto model = tokens::json_unescape(member->value)) {
                        out.model = std::move(*model);
                        out.model_raw = member->value;
                        has_model = true;
                    }
                }
                break;
            case member_name::stream:
                if (member->kind != tokens::json_kind::true_value &&
                    member->kind != tokens::json_kind::false_value && !is_null) {
                    return error::invalid_stream;
                }
                out.stream = member->kind == tokens::json_kind::true_value;
                break;
            case member_name::stream_options:
                read_stream_options(*member, out);
                break;
            case member_name::n:
                if (!is_null) {
                    const auto n = integer_of(*member, 1, std::numeric_limits<std::int64_t>::max());
                    if (!n) {
                        return error::invalid_n;
                    }
                    out.n = *n;
                    out.n_raw = member->value;
                }
                break;
            case member_name::max_tokens:
            case member_name::max_completion_tokens:
            case member_name::max_output_tokens: {
                const int rank = limit_rank(name, kind);
                if (rank == 0) {
                    break;  // not a limit this API reads: relayed as it is
                }
                const auto limit = integer_of(*member, 0, max_completion_limit);
                if (!limit && !is_null) {
                    return error::invalid_completion_limit;
                }
                if (rank < limit_at) {
                    out.superseded_limit = member_text(*member);
                    break;
                }
                if (limit_at != 0) {
                    out.superseded_limit = limit_member;
                }
                limit_at = rank;
                limit_member = member_text(*member);
                out.max_tokens = limit;  // nullopt for null: as if none were named
                out.max_tokens_field = name == member_name::max_tokens ? "max_tokens"
                                       : name == member_name::max_output_tokens
                                           ? "max_output_tokens"
                                           : "max_completion_tokens";
                out.max_tokens_raw = member->value;
                break;
            }
            default: {
                if (name == member_name::messages && !is_null &&
                    member->kind != tokens::json_kind::array &&
                    (kind == api::chat_completions || kind == api::messages)) {
                    return error::invalid_messages;
                }
                *prompt_slot(name, out.prompt) = *member;
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

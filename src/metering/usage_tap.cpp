#include "tollgate/metering/usage_tap.hpp"

#include "tollgate/tokens/json_children.hpp"
#include "tollgate/tokens/json_scan.hpp"
#include "tollgate/tokens/json_string.hpp"

#include <algorithm>
#include <cmath>

// The answer is validated once (json_object_scanner, allocation-free) and then read with
// json_find/json_children over raw views: no DOM, no allocation but for escaped text.
namespace tollgate::metering {
namespace {

using tokens::json_find;
using tokens::json_kind;
using tokens::json_member;
using member = std::optional<json_member>;

// Nesting the usage tap accepts in an answer (usage objects are three levels deep).
constexpr std::size_t max_answer_depth = 64;

// The top-level members the tap reads, from one validating pass (json_object_scanner);
// nested ones are then looked up in these members' small texts.
struct top_level {
    member type, usage, choices, content, output, message, delta, response, index;
};

// Where the member named `key` goes, if the tap reads it. Dispatched on the length and first
// letter, so that a key is compared with at most one name (in constant-length compares the
// compiler inlines) rather than with each: every answer and stream event passes here.
member* slot_for(top_level& t, std::string_view key) {
    const auto is = [key](std::string_view name) {
        return key == name;
    };
    switch (key.size()) {
        case 4:
            return is("type") ? &t.type : nullptr;
        case 5:
            return key[0] == 'u'   ? (is("usage") ? &t.usage : nullptr)
                   : key[0] == 'd' ? (is("delta") ? &t.delta : nullptr)
                   : key[0] == 'i' ? (is("index") ? &t.index : nullptr)
                                   : nullptr;
        case 6:
            return is("output") ? &t.output : nullptr;
        case 7:
            return key[0] == 'm'   ? (is("message") ? &t.message : nullptr)
                   : key[1] == 'h' ? (is("choices") ? &t.choices : nullptr)
                   : key[1] == 'o' ? (is("content") ? &t.content : nullptr)
                                   : nullptr;
        case 8:
            return is("response") ? &t.response : nullptr;
        default:
            return nullptr;
    }
}

std::optional<top_level> scan_top_level(std::string_view text) {
    // Skimmed: the answer is relayed as it is; only its top-level members are read here.
    tokens::json_object_scanner scanner(text, max_answer_depth, tokens::json_nested::skim);
    top_level t;
    while (const auto m = scanner.next()) {
        if (member* const slot = slot_for(t, m->key)) {
            *slot = m;
        }
    }
    if (scanner.status() != tokens::json_status::ok) {
        return std::nullopt;
    }
    return t;
}

member inside(const member& m, std::initializer_list<std::string_view> path) {
    return m && m->kind == json_kind::object ? json_find(m->value, path) : member{};
}

// A reported count: nullopt when the member is absent, or present but no count a request can
// have (not a number, negative, fractional, past max_reported_tokens, or past a double's
// range); `invalid` then says so, and the settlement counts that field itself.
std::optional<std::int64_t> count(const member& v, bool& invalid) {
    if (!v) {
        return std::nullopt;
    }
    const auto d = tokens::json_number(*v);
    if (!d || *d < 0 || *d > static_cast<double>(max_reported_tokens) || *d != std::floor(*d)) {
        invalid = true;
        return std::nullopt;
    }
    return static_cast<std::int64_t>(*d);
}

bool is_string(const member& m, std::string_view value) {
    return m && m->kind == json_kind::string && m->value == value;
}

// OpenAI's usage object, in either naming (chat/completions: prompt_/completion_tokens;
// responses: input_/output_tokens) with the detail objects of either; one pass over it.
void read_openai_usage(const member& u, usage& out) {
    if (!u || u->kind != json_kind::object) {
        return;
    }
    member prompt, completion, input, output, prompt_details, completion_details, input_details,
        output_details;
    // The slot of a key: one length switch, at most two compares.
    const auto slot_of = [&](std::string_view k) -> member* {
        switch (k.size()) {
            case 12:
                return k == "input_tokens" ? &input : nullptr;
            case 13:
                return k == "prompt_tokens" ? &prompt : k == "output_tokens" ? &output : nullptr;
            case 17:
                return k == "completion_tokens" ? &completion : nullptr;
            case 20:
                return k == "input_tokens_details" ? &input_details : nullptr;
            case 21:
                return k == "prompt_tokens_details"   ? &prompt_details
                       : k == "output_tokens_details" ? &output_details
                                                      : nullptr;
            case 25:
                return k == "completion_tokens_details" ? &completion_details : nullptr;
            default:
                return nullptr;
        }
    };
    tokens::json_children fields(u->value);
    while (const auto f = fields.next()) {
        if (member* slot = slot_of(f->key)) {
            *slot = f;  // the last of duplicated keys, as parsers do
        }
    }
    const bool responses_api = input.has_value();
    const member& in = responses_api ? input : prompt;
    const member& produced = responses_api ? output : completion;
    if (in) {
        out.prompt_tokens = count(in, out.invalid);
    }
    // Embeddings report no completion: zero is what was produced.
    out.completion_tokens = produced ? count(produced, out.invalid) : 0;
    out.cached_tokens =
        count(inside(responses_api ? input_details : prompt_details, {"cached_tokens"}),
              out.invalid)
            .value_or(0);
    out.reasoning_tokens =
        count(inside(responses_api ? output_details : completion_details, {"reasoning_tokens"}),
              out.invalid)
            .value_or(0);
}

// Anthropic usage: input counts exclude cache reads and writes; the prompt is their sum.
// message_start's output_tokens is a placeholder (1): only message_delta's is final, so a
// stream cut before it is charged by the text it produced.
void read_anthropic_usage(const member& u, usage& out, bool final_output = true) {
    if (!u || u->kind != json_kind::object) {
        return;
    }
    const std::string_view obj = u->value;
    if (const auto input = json_find(obj, {"input_tokens"})) {
        bool bad = false;
        const auto cached = count(json_find(obj, {"cache_read_input_tokens"}), bad);
        const auto written = count(json_find(obj, {"cache_creation_input_tokens"}), bad);
        const auto fresh = count(input, bad);
        out.invalid = out.invalid || bad;
        // One bad part makes the sum unknown: the prompt is then counted here.
        out.prompt_tokens =
            bad ? std::nullopt
                : std::optional<std::int64_t>(*fresh + cached.value_or(0) + written.value_or(0));
        out.cached_tokens = bad ? 0 : cached.value_or(0);
    }
    if (final_output) {
        if (const auto o = json_find(obj, {"output_tokens"})) {
            out.completion_tokens = count(o, out.invalid);
        }
    }
}

// A choice's or content block's index (0 when absent or odd), bounded: text of a choice
// beyond it joins the last one.
std::size_t index_from(const member& i) {
    constexpr double max_index = 127;
    const auto d = i ? tokens::json_number(*i) : std::nullopt;
    return d && *d >= 0 ? static_cast<std::size_t>(std::min(*d, max_index)) : 0;
}

}  // namespace

void usage_tap::add_produced(std::size_t index, const std::optional<tokens::json_member>& text) {
    if (!text || text->kind != json_kind::string || text->value.empty()) {
        return;
    }
    std::string_view decoded = text->value;
    if (decoded.find('\\') != std::string_view::npos) {
        auto unescaped = tokens::json_unescape(decoded);
        if (!unescaped) {
            return;
        }
        unescaped_ = std::move(*unescaped);
        decoded = unescaped_;
    }
    // Once some text was not kept, none after it is: the kept text stays one prefix.
    const bool kept_all = kept_bytes_ == produced_bytes_;
    produced_bytes_ += decoded.size();
    if (!kept_all || kept_bytes_ + decoded.size() > max_text_bytes_) {
        return;
    }
    if (produced_.size() <= index) {
        produced_.resize(index + 1);
    }
    produced_[index].append(decoded);
    kept_bytes_ += decoded.size();
}

// Member by member (a new tap assigned over this one cost ~700 instructions, and its buffers):
// a session reuses one tap for each of its requests. Every member but max_json_bytes_.
void usage_tap::reset() {
    stream_ = false;
    success_ = false;
    complete_ = false;
    json_too_big_ = false;
    json_.clear();
    sse_.reset();
    events_.clear();
    usage_ = {};
    produced_bytes_ = 0;
    max_text_bytes_ = 0;
    kept_bytes_ = 0;
    produced_.clear();
    unescaped_.clear();
}

void usage_tap::on_head(unsigned status, std::string_view content_type) {
    success_ = status >= 200 && status < 300;
    stream_ = content_type.starts_with("text/event-stream");
}

void usage_tap::on_body(std::string_view bytes) {
    if (!success_) {
        return;
    }
    if (stream_) {
        events_.clear();
        const auto dropped = sse_.dropped_bytes();
        sse_.feed(bytes, events_);
        // An event too large to hold is not read, but what it carried was produced: its
        // bytes count as produced text not kept (estimated), never as nothing.
        produced_bytes_ += sse_.dropped_bytes() - dropped;
        for (const auto& e : events_) {
            take_event(e.data);
        }
        return;
    }
    if (json_.size() + bytes.size() > max_json_bytes_) {
        json_too_big_ = true;
        json_.clear();
        return;
    }
    if (!json_too_big_) {
        json_.append(bytes);
    }
}

void usage_tap::on_end(bool complete) {
    complete_ = complete;
    if (success_ && !stream_ && !json_too_big_ && !json_.empty()) {
        take_json(json_);
    }
    json_.clear();
}

void usage_tap::take_json(std::string_view body) {
    const auto top = scan_top_level(body);
    if (!top) {
        return;
    }
    if (is_string(top->type, "message")) {  // Anthropic
        read_anthropic_usage(top->usage, usage_);
        if (!usage_.complete() && top->content && top->content->kind == json_kind::array) {
            tokens::json_children blocks(top->content->value);
            std::size_t block_index = 0;
            while (const auto block = blocks.next()) {
                if (block->kind == json_kind::object) {
                    add_produced(block_index, json_find(block->value, {"text"}));
                }
                ++block_index;
            }
        }
        return;
    }
    read_openai_usage(top->usage, usage_);
    if (usage_.complete()) {
        return;  // the text matters only when the usage is missing: it is counted instead
    }
    take_choices(top->choices, "message");
    // Responses API: output[].content[].text
    if (top->output && top->output->kind == json_kind::array) {
        tokens::json_children items(top->output->value);
        while (const auto item = items.next()) {
            const auto content =
                item->kind == json_kind::object ? json_find(item->value, {"content"}) : member{};
            if (!content || content->kind != json_kind::array) {
                continue;
            }
            tokens::json_children parts(content->value);
            while (const auto part = parts.next()) {
                if (part->kind == json_kind::object) {
                    add_produced(0, json_find(part->value, {"text"}));
                }
            }
        }
    }
}

void usage_tap::take_choices(const std::optional<tokens::json_member>& choices,
                             std::string_view text_holder) {
    if (!choices || choices->kind != json_kind::array) {
        return;
    }
    tokens::json_children each(choices->value);
    while (const auto c = each.next()) {
        if (c->kind != json_kind::object) {
            continue;
        }
        // One pass over the choice: its index, its message/delta content, its text.
        member index;
        member holder;
        member text;
        tokens::json_children fields(c->value);
        while (const auto f = fields.next()) {
            if (f->key == "index") {
                index = f;
            } else if (f->key == text_holder) {
                holder = f;
            } else if (f->key == "text") {
                text = f;
            }
        }
        const std::size_t i = index_from(index);
        add_produced(i, inside(holder, {"content"}));
        add_produced(i, text);
    }
}

void usage_tap::take_event(std::string_view data) {
    if (data.empty() || data == "[DONE]") {
        return;
    }
    const auto top = scan_top_level(data);
    if (!top) {
        return;
    }
    const std::string_view type =
        top->type && top->type->kind == json_kind::string ? top->type->value : "";
    if (type == "message_start") {  // Anthropic
        read_anthropic_usage(inside(top->message, {"usage"}), usage_, false);
    } else if (type == "message_delta") {
        read_anthropic_usage(top->usage, usage_);
    } else if (type == "content_block_delta") {
        add_produced(index_from(top->index), inside(top->delta, {"text"}));
    } else if (type == "response.output_text.delta") {  // OpenAI Responses
        add_produced(0, top->delta);
    } else if (type == "response.completed") {
        read_openai_usage(inside(top->response, {"usage"}), usage_);
    } else if (type.empty()) {  // OpenAI chat/completions chunks
        read_openai_usage(top->usage, usage_);
        take_choices(top->choices, "delta");
    }
}

}  // namespace tollgate::metering

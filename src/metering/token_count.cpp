#include "tollgate/metering/token_count.hpp"

#include "tollgate/metering/count_cache.hpp"
#include "tollgate/metering/estimate.hpp"
#include "tollgate/tokens/json_children.hpp"
#include "tollgate/tokens/json_string.hpp"

#include <string>

namespace tollgate::metering {
namespace {

using tokens::json_kind;
using tokens::json_member;

constexpr std::int64_t tokens_per_message = 3;
constexpr std::int64_t tokens_per_name = 1;
constexpr std::int64_t reply_priming = 3;
constexpr std::int64_t tokens_per_image = 85;

// A JSON value's text: a string's decoded text, anything else its JSON text.
void add_value_text(const json_member& v, text_counter& c) {
    if (v.kind == json_kind::string) {
        c.add_json_string(v.value);
    } else if (v.kind != json_kind::null) {
        c.add_text(v.value);
    }
}

// A content part: {"type":"text","text":...}, input_text/output_text, an image, or other.
void add_content_part(const json_member& part, text_counter& c) {
    if (part.kind == json_kind::string) {
        c.add_json_string(part.value);
        return;
    }
    if (part.kind != json_kind::object) {
        return;
    }
    tokens::json_children fields(part.value);
    bool image = false;
    bool had_text = false;
    while (const auto f = fields.next()) {
        if (f->key == "text" && f->kind == json_kind::string) {
            c.add_json_string(f->value);
            had_text = true;
        } else if (f->key == "type" && f->kind == json_kind::string) {
            image = f->value == "image_url" || f->value == "image" || f->value == "input_image";
        }
    }
    if (image && !had_text) {
        c.add_tokens(tokens_per_image);
    }
}

void add_content(const json_member& content, text_counter& c) {
    if (content.kind == json_kind::array) {
        tokens::json_children parts(content.value);
        while (const auto part = parts.next()) {
            add_content_part(*part, c);
        }
    } else {
        add_value_text(content, c);
    }
}

// One chat message: framing, then every field's text.
void add_message(const json_member& message, text_counter& c) {
    c.add_tokens(tokens_per_message);
    if (message.kind != json_kind::object) {
        add_value_text(message, c);
        return;
    }
    tokens::json_children fields(message.value);
    while (const auto f = fields.next()) {
        if (f->key == "content") {
            add_content(*f, c);
        } else {
            add_value_text(*f, c);
            if (f->key == "name") {
                c.add_tokens(tokens_per_name);
            }
        }
    }
}

// prompt / input: a string, strings, token ids, arrays of token ids, or (responses) items.
// Returns true when it held chat-style items (which want the reply priming).
bool add_prompt_like(const json_member& v, text_counter& c) {
    if (v.kind != json_kind::array) {
        add_value_text(v, c);
        return false;
    }
    bool items = false;
    tokens::json_children elements(v.value);
    while (const auto e = elements.next()) {
        if (e->kind == json_kind::number) {
            c.add_tokens(1);  // a token id
        } else if (e->kind == json_kind::array) {
            tokens::json_children ids(e->value);
            while (const auto id = ids.next()) {
                c.add_tokens(id->kind == json_kind::number ? 1 : 0);
            }
        } else if (e->kind == json_kind::object) {
            add_message(*e, c);
            items = true;
        } else {
            add_value_text(*e, c);
        }
    }
    return items;
}

}  // namespace

void text_counter::add_text(std::string_view text) {
    if (text.empty()) {
        return;
    }
    const std::size_t room = budget_ > exact_bytes_ ? budget_ - exact_bytes_ : 0;
    std::string_view exact = text.substr(0, room);
    if (exact.size() < text.size()) {
        // Cut at a character boundary, so the tokenized part is text as the user wrote it.
        while (!exact.empty() && (static_cast<unsigned char>(text[exact.size()]) & 0xc0) == 0x80) {
            exact.remove_suffix(1);
        }
    }
    if (!exact.empty()) {
        // Only a whole text is looked up: a cut one's count depends on the budget left.
        const auto n = static_cast<std::int64_t>(cache_ != nullptr && exact.size() == text.size()
                                                     ? cache_->count(enc_, mode_, exact)
                                                     : enc_.count(exact, mode_));
        exact_bytes_ += exact.size();
        exact_tokens_ += n;
        tokens_ += n;
    }
    estimated_bytes_ += text.size() - exact.size();
}

void text_counter::add_json_string(std::string_view raw) {
    if (raw.find('\\') == std::string_view::npos) {
        add_text(raw);
        return;
    }
    if (const auto decoded = tokens::json_unescape(raw)) {
        add_text(*decoded);
    } else {
        add_text(raw);
    }
}

std::int64_t text_counter::tokens() const noexcept {
    if (estimated_bytes_ == 0) {
        return tokens_;
    }
    if (exact_bytes_ == 0) {
        return tokens_ + estimate_tokens(estimated_bytes_);
    }
    // The rest at the ratio of what was tokenized, rounded up.
    const auto bytes = static_cast<std::int64_t>(estimated_bytes_);
    const auto per = static_cast<std::int64_t>(exact_bytes_);
    return tokens_ + (bytes * exact_tokens_ + per - 1) / per;
}

void count_prompt(const prompt_members& m, text_counter& c) {
    bool chat = false;
    if (m.system) {
        c.add_tokens(tokens_per_message);
        add_content(*m.system, c);
        chat = true;
    }
    if (m.instructions) {
        c.add_tokens(tokens_per_message);
        add_value_text(*m.instructions, c);
    }
    if (m.messages) {
        if (m.messages->kind == json_kind::array) {
            tokens::json_children messages(m.messages->value);
            while (const auto msg = messages.next()) {
                add_message(*msg, c);
            }
        } else {
            add_value_text(*m.messages, c);
        }
        chat = true;
    }
    if (m.prompt) {
        add_prompt_like(*m.prompt, c);
    }
    if (m.input && add_prompt_like(*m.input, c)) {
        chat = true;
    }
    if (m.tools) {
        add_value_text(*m.tools, c);
    }
    if (m.functions) {
        add_value_text(*m.functions, c);
    }
    if (chat) {
        c.add_tokens(reply_priming);
    }
}

}  // namespace tollgate::metering

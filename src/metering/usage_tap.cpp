#include "tollgate/metering/usage_tap.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace tollgate::metering {
namespace {

using json = nlohmann::json;

// A reported count, sanity-capped.
std::int64_t count(const json& v, bool& clamped) {
    if (!v.is_number()) {
        return 0;
    }
    const double d = v.get<double>();
    if (d < 0 || d > static_cast<double>(max_reported_tokens)) {
        clamped = true;
        return d < 0 ? 0 : max_reported_tokens;
    }
    return static_cast<std::int64_t>(d);
}

const json* find(const json& j, std::initializer_list<const char*> path) {
    const json* at = &j;
    for (const char* key : path) {
        if (!at->is_object() || !at->contains(key)) {
            return nullptr;
        }
        at = &(*at)[key];
    }
    return at;
}

// OpenAI's usage object, in either naming (chat/completions: prompt_/completion_tokens;
// responses: input_/output_tokens) with the detail objects of either.
void read_openai_usage(const json& u, usage& out) {
    if (!u.is_object()) {
        return;
    }
    const bool responses_api = u.contains("input_tokens");
    const char* in = responses_api ? "input_tokens" : "prompt_tokens";
    const char* outk = responses_api ? "output_tokens" : "completion_tokens";
    if (u.contains(in)) {
        out.prompt_tokens = count(u[in], out.clamped);
    }
    // Embeddings report no completion: zero is what was produced.
    out.completion_tokens = u.contains(outk) ? count(u[outk], out.clamped) : 0;
    const char* in_details = responses_api ? "input_tokens_details" : "prompt_tokens_details";
    const char* out_details = responses_api ? "output_tokens_details" : "completion_tokens_details";
    if (const auto* c = find(u, {in_details, "cached_tokens"})) {
        out.cached_tokens = count(*c, out.clamped);
    }
    if (const auto* r = find(u, {out_details, "reasoning_tokens"})) {
        out.reasoning_tokens = count(*r, out.clamped);
    }
}

// Anthropic usage: input counts exclude cache reads and writes; the prompt is their sum.
// message_start's output_tokens is a placeholder (1): only message_delta's is final, so a
// stream cut before it is charged by the text it produced.
void read_anthropic_usage(const json& u, usage& out, bool final_output = true) {
    if (u.contains("input_tokens")) {
        const std::int64_t cached = u.contains("cache_read_input_tokens")
                                        ? count(u["cache_read_input_tokens"], out.clamped)
                                        : 0;
        const std::int64_t written = u.contains("cache_creation_input_tokens")
                                         ? count(u["cache_creation_input_tokens"], out.clamped)
                                         : 0;
        out.prompt_tokens = count(u["input_tokens"], out.clamped) + cached + written;
        out.cached_tokens = cached;
    }
    if (final_output && u.contains("output_tokens")) {
        out.completion_tokens = count(u["output_tokens"], out.clamped);
    }
}

std::string_view text_of(const json* v) {
    return v && v->is_string() ? std::string_view(v->get_ref<const std::string&>())
                               : std::string_view();
}

// A choice's or content block's index (0 when absent or odd), bounded: text of a choice
// beyond it joins the last one.
std::size_t index_of(const json& j) {
    constexpr std::size_t max_index = 127;
    const auto* i = find(j, {"index"});
    if (!i || !i->is_number_unsigned())
        return 0;
    return std::min<std::size_t>(i->get<std::size_t>(), max_index);
}

}  // namespace

void usage_tap::add_produced(std::size_t index, std::string_view text) {
    // Once some text was not kept, none after it is: the kept text stays one prefix.
    const bool kept_all = kept_bytes_ == produced_bytes_;
    produced_bytes_ += text.size();
    if (text.empty() || !kept_all || kept_bytes_ + text.size() > max_text_bytes_)
        return;
    if (produced_.size() <= index)
        produced_.resize(index + 1);
    produced_[index].append(text);
    kept_bytes_ += text.size();
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
        sse_.feed(bytes, events_);
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
    const json j = json::parse(body, nullptr, false);
    if (!j.is_object()) {
        return;
    }
    const bool anthropic = j.value("type", "") == "message";
    if (anthropic) {
        if (const auto* u = find(j, {"usage"})) {
            read_anthropic_usage(*u, usage_);
        }
        if (const auto* content = find(j, {"content"}); content && content->is_array()) {
            std::size_t block_index = 0;
            for (const auto& block : *content) {
                add_produced(block_index++, text_of(find(block, {"text"})));
            }
        }
        return;
    }
    if (const auto* u = find(j, {"usage"})) {
        read_openai_usage(*u, usage_);
    }
    if (const auto* choices = find(j, {"choices"}); choices && choices->is_array()) {
        for (const auto& c : *choices) {
            add_produced(index_of(c), text_of(find(c, {"message", "content"})));
            add_produced(index_of(c), text_of(find(c, {"text"})));
        }
    }
    // Responses API: output[].content[].text
    if (const auto* output = find(j, {"output"}); output && output->is_array()) {
        for (const auto& item : *output) {
            if (const auto* content = find(item, {"content"}); content && content->is_array()) {
                for (const auto& part : *content) {
                    add_produced(0, text_of(find(part, {"text"})));
                }
            }
        }
    }
}

void usage_tap::take_event(std::string_view data) {
    if (data.empty() || data == "[DONE]") {
        return;
    }
    // Most events are text deltas: parse them for their text only when they carry some, and
    // every event that may carry usage.
    const json j = json::parse(data, nullptr, false);
    if (!j.is_object()) {
        return;
    }
    const std::string type = j.value("type", "");
    if (type == "message_start") {  // Anthropic
        if (const auto* u = find(j, {"message", "usage"})) {
            read_anthropic_usage(*u, usage_, false);
        }
    } else if (type == "message_delta") {
        if (const auto* u = find(j, {"usage"})) {
            read_anthropic_usage(*u, usage_);
        }
    } else if (type == "content_block_delta") {
        add_produced(index_of(j), text_of(find(j, {"delta", "text"})));
    } else if (type == "response.output_text.delta") {  // OpenAI Responses
        add_produced(0, text_of(find(j, {"delta"})));
    } else if (type == "response.completed") {
        if (const auto* u = find(j, {"response", "usage"})) {
            read_openai_usage(*u, usage_);
        }
    } else if (type.empty()) {  // OpenAI chat/completions chunks
        if (const auto* u = find(j, {"usage"}); u && u->is_object()) {
            read_openai_usage(*u, usage_);
        }
        if (const auto* choices = find(j, {"choices"}); choices && choices->is_array()) {
            for (const auto& c : *choices) {
                add_produced(index_of(c), text_of(find(c, {"delta", "content"})));
                add_produced(index_of(c), text_of(find(c, {"text"})));
            }
        }
    }
}

}  // namespace tollgate::metering

#include "replies.hpp"

#include "tollgate/metering/token_count.hpp"
#include "tollgate/metering/tokenizers.hpp"
#include "tollgate/proxy/request_body.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

namespace tollgate::mock {
namespace {

using json = nlohmann::json;
constexpr long created = 1700000000;

long header_number(const header_lookup& header, std::string_view name, long fallback) {
    const auto v = header(name);
    long n = fallback;
    if (!v.empty()) {
        std::from_chars(v.data(), v.data() + v.size(), n);
    }
    return n;
}

// Word i of the mock's completion; one token per word. Each is 4 bytes, and a single token
// in OpenAI's cl100k_base and o200k_base, so that a gateway counting the text it saw (by
// bytes/4 or by a real tokenizer) gets exactly the mock's count.
std::string word(long i) {
    static constexpr std::string_view words[] = {
        " the", " and", " for", " are", " was", " not", " you", " all", " can", " had"};
    return std::string(words[static_cast<std::size_t>(i) % std::size(words)]);
}

// Appends a piece that carries `tokens` completion tokens (billed when it is sent).
void add(reply_plan& p, std::string piece, long tokens = 0) {
    p.pieces.push_back(std::move(piece));
    p.piece_tokens.push_back(tokens);
}

std::string sse(const json& j) {
    return "data: " + j.dump() + "\n\n";
}
std::string sse(std::string_view event, const json& j) {
    return "event: " + std::string(event) + "\ndata: " + j.dump() + "\n\n";
}

struct request_facts {
    json body;
    std::string model;
    bool stream = false;
    bool include_usage = false;
    bool usage = true;
    long prompt_tokens = 1;
    long completion_tokens = 16;
};

request_facts facts_of(std::string_view body, const header_lookup& header) {
    request_facts f;
    f.body = json::parse(body, nullptr, false);
    if (!f.body.is_object()) {
        f.body = json::object();
    }
    f.model = f.body.value("model", std::string("mock-model"));
    f.stream = f.body.value("stream", false);
    if (auto so = f.body.find("stream_options"); so != f.body.end() && so->is_object()) {
        f.include_usage = so->value("include_usage", false);
    }
    f.usage = header("x-mock-no-usage").empty();
    f.prompt_tokens = prompt_tokens_of(body, f.model);
    long cap = 16;
    for (const char* k : {"max_tokens", "max_completion_tokens", "max_output_tokens"}) {
        if (auto it = f.body.find(k); it != f.body.end() && it->is_number_integer()) {
            cap = it->get<long>();
        }
    }
    f.completion_tokens = std::max<long>(0, header_number(header, "x-mock-tokens", cap));
    return f;
}

json openai_usage(const request_facts& f) {
    return {{"prompt_tokens", f.prompt_tokens},
            {"completion_tokens", f.completion_tokens},
            {"total_tokens", f.prompt_tokens + f.completion_tokens}};
}

void chat(const request_facts& f, reply_plan& p) {
    const json base = {{"id", "chatcmpl-mock"}, {"created", created}, {"model", f.model}};
    std::string text;
    for (long i = 0; i < f.completion_tokens; ++i) {
        text += word(i);
    }
    if (!f.stream) {
        json j = base;
        j["object"] = "chat.completion";
        j["choices"] = json::array({{{"index", 0},
                                     {"message", {{"role", "assistant"}, {"content", text}}},
                                     {"finish_reason", "stop"}}});
        if (f.usage) {
            j["usage"] = openai_usage(f);
        }
        add(p, j.dump(), f.completion_tokens);
        return;
    }
    auto chunk = [&](json delta, json finish) {
        json j = base;
        j["object"] = "chat.completion.chunk";
        j["choices"] = json::array(
            {{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish)}}});
        return sse(j);
    };
    add(p, chunk({{"role", "assistant"}, {"content", ""}}, nullptr));
    for (long i = 0; i < f.completion_tokens; ++i) {
        add(p, chunk({{"content", word(i)}}, nullptr), 1);
    }
    add(p, chunk(json::object(), "stop"));
    if (f.include_usage && f.usage) {
        json j = base;
        j["object"] = "chat.completion.chunk";
        j["choices"] = json::array();
        j["usage"] = openai_usage(f);
        add(p, sse(j));
    }
    add(p, "data: [DONE]\n\n");
}

void completions(const request_facts& f, reply_plan& p) {
    const json base = {{"id", "cmpl-mock"},
                       {"object", "text_completion"},
                       {"created", created},
                       {"model", f.model}};
    if (!f.stream) {
        std::string text;
        for (long i = 0; i < f.completion_tokens; ++i) {
            text += word(i);
        }
        json j = base;
        j["choices"] = json::array({{{"index", 0}, {"text", text}, {"finish_reason", "stop"}}});
        if (f.usage) {
            j["usage"] = openai_usage(f);
        }
        add(p, j.dump(), f.completion_tokens);
        return;
    }
    for (long i = 0; i < f.completion_tokens; ++i) {
        json j = base;
        j["choices"] = json::array({{{"index", 0}, {"text", word(i)}, {"finish_reason", nullptr}}});
        add(p, sse(j), 1);
    }
    if (f.include_usage && f.usage) {
        json j = base;
        j["choices"] = json::array();
        j["usage"] = openai_usage(f);
        add(p, sse(j));
    }
    add(p, "data: [DONE]\n\n");
}

void embeddings(const request_facts& f, reply_plan& p) {
    std::size_t inputs = 1;
    if (auto in = f.body.find("input"); in != f.body.end() && in->is_array()) {
        inputs = std::max<std::size_t>(1, in->size());
    }
    json data = json::array();
    for (std::size_t i = 0; i < inputs; ++i) {
        data.push_back(
            {{"object", "embedding"}, {"index", i}, {"embedding", {0.125, -0.25, 0.5, 0.0}}});
    }
    json j = {{"object", "list"}, {"data", data}, {"model", f.model}};
    if (f.usage) {
        j["usage"] = {{"prompt_tokens", f.prompt_tokens}, {"total_tokens", f.prompt_tokens}};
    }
    add(p, j.dump());
}

void responses(const request_facts& f, reply_plan& p) {
    std::string text;
    for (long i = 0; i < f.completion_tokens; ++i) {
        text += word(i);
    }
    json done = {
        {"id", "resp_mock"},
        {"object", "response"},
        {"created_at", created},
        {"model", f.model},
        {"status", "completed"},
        {"output",
         json::array({{{"type", "message"},
                       {"role", "assistant"},
                       {"content", json::array({{{"type", "output_text"}, {"text", text}}})}}})}};
    if (f.usage) {
        done["usage"] = {{"input_tokens", f.prompt_tokens},
                         {"output_tokens", f.completion_tokens},
                         {"total_tokens", f.prompt_tokens + f.completion_tokens}};
    }
    if (!f.stream) {
        add(p, done.dump(), f.completion_tokens);
        return;
    }
    json created_ev = done;
    created_ev["status"] = "in_progress";
    created_ev["output"] = json::array();
    created_ev.erase("usage");
    add(p, sse("response.created", {{"type", "response.created"}, {"response", created_ev}}));
    for (long i = 0; i < f.completion_tokens; ++i) {
        add(p,
            sse("response.output_text.delta",
                {{"type", "response.output_text.delta"}, {"output_index", 0}, {"delta", word(i)}}),
            1);
    }
    add(p, sse("response.completed", {{"type", "response.completed"}, {"response", done}}));
}

void messages(const request_facts& f, reply_plan& p) {
    json usage_in = {{"input_tokens", f.usage ? f.prompt_tokens : 0},
                     {"output_tokens", f.usage ? 1 : 0}};
    if (!f.stream) {
        std::string text;
        for (long i = 0; i < f.completion_tokens; ++i) {
            text += word(i);
        }
        json j = {{"id", "msg_mock"},
                  {"type", "message"},
                  {"role", "assistant"},
                  {"model", f.model},
                  {"content", json::array({{{"type", "text"}, {"text", text}}})},
                  {"stop_reason", "end_turn"},
                  {"stop_sequence", nullptr}};
        if (f.usage) {
            j["usage"] = {{"input_tokens", f.prompt_tokens},
                          {"output_tokens", f.completion_tokens}};
        }
        add(p, j.dump(), f.completion_tokens);
        return;
    }
    json start = {{"id", "msg_mock"},
                  {"type", "message"},
                  {"role", "assistant"},
                  {"model", f.model},
                  {"content", json::array()},
                  {"stop_reason", nullptr},
                  {"usage", usage_in}};
    add(p, sse("message_start", {{"type", "message_start"}, {"message", start}}));
    add(p,
        sse("content_block_start",
            {{"type", "content_block_start"},
             {"index", 0},
             {"content_block", {{"type", "text"}, {"text", ""}}}}));
    for (long i = 0; i < f.completion_tokens; ++i) {
        add(p,
            sse("content_block_delta",
                {{"type", "content_block_delta"},
                 {"index", 0},
                 {"delta", {{"type", "text_delta"}, {"text", word(i)}}}}),
            1);
    }
    add(p, sse("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}));
    json delta = {{"type", "message_delta"},
                  {"delta", {{"stop_reason", "end_turn"}, {"stop_sequence", nullptr}}}};
    if (f.usage) {
        delta["usage"] = {{"output_tokens", f.completion_tokens}};
    }
    add(p, sse("message_delta", delta));
    add(p, sse("message_stop", {{"type", "message_stop"}}));
}

void error_reply(unsigned status, std::string_view message, reply_plan& p) {
    p.status = status;
    p.stream = false;
    p.content_type = "application/json";
    p.pieces = {
        json{{"error", {{"message", message}, {"type", "mock_error"}, {"code", status}}}}.dump()};
    p.piece_tokens = {0};
}

}  // namespace

long prompt_tokens_of(std::string_view body, const std::string& model) {
    static const auto tokenizers = [] {
        std::string error;
        return tollgate::metering::tokenizers::build(tollgate::config::tokenizer_config{}, error);
    }();
    const auto fields = tollgate::proxy::scan_request_body(body, 128);
    const tollgate::tokens::encoding* enc = tokenizers ? tokenizers->for_model(model) : nullptr;
    if (!fields || enc == nullptr) {
        return 1;
    }
    tollgate::metering::text_counter counter(
        *enc, tollgate::tokens::special_tokens::text, std::size_t{1} << 40);
    tollgate::metering::count_prompt(fields->prompt, counter);
    return std::max<long>(1, static_cast<long>(counter.tokens()));
}

reply_plan plan_reply(std::string_view method,
                      std::string_view path,
                      std::string_view body,
                      const header_lookup& header) {
    reply_plan p;
    p.head_delay = std::chrono::milliseconds(header_number(header, "x-mock-delay-ms", 0));
    p.piece_delay = std::chrono::milliseconds(header_number(header, "x-mock-chunk-delay-ms", 0));
    p.drop_after = static_cast<int>(header_number(header, "x-mock-drop-after", -1));
    if (const long status = header_number(header, "x-mock-status", 0); status >= 400) {
        error_reply(static_cast<unsigned>(status), "mock failure requested", p);
        return p;
    }
    if (method != "POST") {
        error_reply(404, "mock: no such route", p);
        return p;
    }
    const auto f = facts_of(body, header);
    p.stream = f.stream;
    p.content_type = f.stream ? "text/event-stream" : "application/json";
    p.prompt_tokens = f.prompt_tokens;
    p.completion_tokens = f.completion_tokens;
    if (path == "/v1/chat/completions") {
        chat(f, p);
    } else if (path == "/v1/completions") {
        completions(f, p);
    } else if (path == "/v1/embeddings") {
        p.stream = false;
        p.content_type = "application/json";
        embeddings(f, p);
    } else if (path == "/v1/responses") {
        responses(f, p);
    } else if (path == "/v1/messages") {
        messages(f, p);
    } else {
        error_reply(404, "mock: no such route", p);
        return p;
    }
    return p;
}

}  // namespace tollgate::mock

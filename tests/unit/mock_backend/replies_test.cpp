#include "replies.hpp"

#include "tollgate/tokens/sse_parser.hpp"

#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::mock {
namespace {

using json = nlohmann::json;

reply_plan plan(std::string_view path,
                const json& body,
                std::map<std::string, std::string> headers = {}) {
    const std::string text = body.dump();
    return plan_reply("POST", path, text, [&headers](std::string_view name) -> std::string_view {
        auto it = headers.find(std::string(name));
        return it == headers.end() ? std::string_view{} : std::string_view(it->second);
    });
}

std::vector<tokens::sse_event> events_of(const reply_plan& p) {
    tokens::sse_parser parser;
    std::vector<tokens::sse_event> out;
    for (const auto& piece : p.pieces) {
        parser.feed(piece, out);
    }
    return out;
}

TEST(MockReplies, ChatJsonCarriesUsage) {
    auto p = plan("/v1/chat/completions", {{"model", "gpt-4o"}, {"max_tokens", 3}});
    ASSERT_EQ(p.pieces.size(), 1u);
    const auto j = json::parse(p.pieces[0]);
    EXPECT_EQ(j["usage"]["completion_tokens"], 3);
    EXPECT_EQ(j["model"], "gpt-4o");
}

TEST(MockReplies, ChatStreamUsageOnlyWhenAskedFor) {
    auto plain = events_of(
        plan("/v1/chat/completions", {{"model", "m"}, {"stream", true}, {"max_tokens", 2}}));
    ASSERT_EQ(plain.size(), 5u);  // role, 2 tokens, finish, [DONE]
    EXPECT_EQ(plain.back().data, "[DONE]");
    auto with = events_of(plan("/v1/chat/completions",
                               {{"model", "m"},
                                {"stream", true},
                                {"max_tokens", 2},
                                {"stream_options", {{"include_usage", true}}}}));
    ASSERT_EQ(with.size(), 6u);
    EXPECT_EQ(json::parse(with[4].data)["usage"]["completion_tokens"], 2);
}

TEST(MockReplies, AnthropicStreamReportsUsageInStartAndDelta) {
    auto ev =
        events_of(plan("/v1/messages", {{"model", "claude"}, {"stream", true}, {"max_tokens", 4}}));
    ASSERT_EQ(ev.front().type, "message_start");
    EXPECT_GT(json::parse(ev.front().data)["message"]["usage"]["input_tokens"].get<int>(), 0);
    const auto delta = json::parse(ev[ev.size() - 2].data);
    EXPECT_EQ(delta["type"], "message_delta");
    EXPECT_EQ(delta["usage"]["output_tokens"], 4);
}

TEST(MockReplies, ResponsesAndEmbeddings) {
    auto r = events_of(
        plan("/v1/responses", {{"model", "m"}, {"stream", true}, {"max_output_tokens", 2}}));
    EXPECT_EQ(r.back().type, "response.completed");
    EXPECT_EQ(json::parse(r.back().data)["response"]["usage"]["output_tokens"], 2);
    auto e = plan("/v1/embeddings", {{"model", "m"}, {"input", {"a", "b"}}});
    EXPECT_EQ(json::parse(e.pieces[0])["data"].size(), 2u);
}

TEST(MockReplies, TestBehavioursFromHeaders) {
    auto failing = plan("/v1/chat/completions", {{"model", "m"}}, {{"x-mock-status", "503"}});
    EXPECT_EQ(failing.status, 503u);
    auto slow = plan("/v1/chat/completions",
                     {{"model", "m"}, {"stream", true}},
                     {{"x-mock-chunk-delay-ms", "50"},
                      {"x-mock-drop-after", "2"},
                      {"x-mock-no-usage", "1"},
                      {"x-mock-tokens", "7"}});
    EXPECT_EQ(slow.piece_delay.count(), 50);
    EXPECT_EQ(slow.drop_after, 2);
    EXPECT_EQ(slow.completion_tokens, 7);
}

}  // namespace
}  // namespace tollgate::mock

#include "tollgate/metering/usage_tap.hpp"

#include "replies.hpp"

#include <gtest/gtest.h>

namespace tollgate::metering {
namespace {

// Plays a mock reply through a tap, one byte at a time (every split point of the stream).
usage_tap play(const mock::reply_plan& plan, bool bytewise = true) {
    usage_tap tap;
    tap.on_head(plan.status, plan.content_type);
    for (const auto& piece : plan.pieces) {
        if (bytewise) {
            for (char c : piece) {
                tap.on_body(std::string_view(&c, 1));
            }
        } else {
            tap.on_body(piece);
        }
    }
    tap.on_end(true);
    return tap;
}

mock::reply_plan mock_reply(std::string_view path, std::string_view body) {
    return mock::plan_reply(
        "POST", path, body, [](std::string_view) { return std::string_view(); });
}

mock::reply_plan mock_reply_without_usage(std::string_view path, std::string_view body) {
    return mock::plan_reply("POST", path, body, [](std::string_view name) {
        return name == "x-mock-no-usage" ? std::string_view("1") : std::string_view();
    });
}

TEST(UsageTap, ReadsEveryMockEndpointJsonAndStreamed) {
    const std::pair<const char*, std::string> cases[] = {
        {"/v1/chat/completions",
         R"({"model":"m","messages":[{"role":"user","content":"hello there"}],"max_tokens":7)"},
        {"/v1/completions", R"({"model":"m","prompt":"hello there","max_tokens":7)"},
        {"/v1/responses", R"({"model":"m","input":"hello there","max_output_tokens":7)"},
        {"/v1/messages",
         R"({"model":"claude","max_tokens":7,"messages":[{"role":"user","content":"hello there"}])"},
    };
    for (const auto& [path, open_body] : cases) {
        const auto json_plan = mock_reply(path, open_body + "}");
        const auto json_tap = play(json_plan, false);
        ASSERT_TRUE(json_tap.reported().complete()) << path;
        EXPECT_EQ(*json_tap.reported().completion_tokens, json_plan.completion_tokens) << path;
        EXPECT_GT(*json_tap.reported().prompt_tokens, 0) << path;
        EXPECT_EQ(json_tap.produced_text_bytes(), 0u) << path << ": usage reported, text unread";
        const auto bare_tap = play(mock_reply_without_usage(path, open_body + "}"), false);
        EXPECT_FALSE(bare_tap.reported().completion_tokens) << path;
        EXPECT_GT(bare_tap.produced_text_bytes(), 0u) << path;

        const auto stream_plan = mock_reply(
            path, open_body + R"(,"stream":true,"stream_options":{"include_usage":true}})");
        ASSERT_TRUE(stream_plan.content_type.starts_with("text/event-stream")) << path;
        const auto stream_tap = play(stream_plan);
        ASSERT_TRUE(stream_tap.reported().complete()) << path;
        EXPECT_EQ(*stream_tap.reported().completion_tokens, stream_plan.completion_tokens) << path;
        EXPECT_GT(*stream_tap.reported().prompt_tokens, 0) << path;  // the mock sizes by body
        EXPECT_EQ(stream_tap.produced_text_bytes(), bare_tap.produced_text_bytes()) << path;
    }
    const auto embed = play(mock_reply("/v1/embeddings", R"({"model":"e","input":["a","b"]})"));
    ASSERT_TRUE(embed.reported().complete());
    EXPECT_EQ(*embed.reported().completion_tokens, 0);
}

TEST(UsageTap, AResetTapReadsTheNextAnswerAsANewOneWould) {
    const auto stream_plan = mock_reply(
        "/v1/chat/completions", R"({"model":"m","stream":true,"messages":[],"max_tokens":5})");
    const auto json_plan =
        mock_reply("/v1/chat/completions", R"({"model":"m","messages":[],"max_tokens":9})");
    usage_tap tap;
    tap.keep_text(1024);
    // A stream cut off midway (no usage yet), then a JSON answer on the same tap.
    tap.on_head(stream_plan.status, stream_plan.content_type);
    tap.on_body(stream_plan.pieces.front());
    tap.reset();
    tap.on_head(json_plan.status, json_plan.content_type);
    for (const auto& piece : json_plan.pieces) {
        tap.on_body(piece);
    }
    tap.on_end(true);
    const auto fresh = play(json_plan, false);
    ASSERT_TRUE(tap.reported().complete());
    EXPECT_EQ(*tap.reported().completion_tokens, *fresh.reported().completion_tokens);
    EXPECT_EQ(*tap.reported().prompt_tokens, *fresh.reported().prompt_tokens);
    EXPECT_EQ(tap.produced_text_bytes(), fresh.produced_text_bytes());
    EXPECT_TRUE(tap.produced_text().empty()) << "keep_text is per answer, like a new tap's";
    EXPECT_TRUE(tap.ended_complete());
}

TEST(UsageTap, AStreamWithoutUsageStillCountsItsText) {
    const auto plan = mock_reply(
        "/v1/chat/completions",
        R"({"model":"m","stream":true,"messages":[],"max_tokens":5})");  // no include_usage
    const auto tap = play(plan);
    EXPECT_FALSE(tap.reported().completion_tokens);
    EXPECT_GT(tap.produced_text_bytes(), 0u);
}

usage_tap feed(unsigned status, std::string_view type, std::string_view body) {
    usage_tap tap;
    tap.on_head(status, type);
    tap.on_body(body);
    tap.on_end(true);
    return tap;
}

TEST(UsageTap, DetailsCacheAndReasoning) {
    const auto openai = feed(200, "application/json", R"({"choices":[],"usage":{
        "prompt_tokens":100,"completion_tokens":50,
        "prompt_tokens_details":{"cached_tokens":64},
        "completion_tokens_details":{"reasoning_tokens":30}}})");
    EXPECT_EQ(openai.reported().cached_tokens, 64);
    EXPECT_EQ(openai.reported().reasoning_tokens, 30);
    const auto responses = feed(
        200,
        "text/event-stream",
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"usage\":"
        "{\"input_tokens\":9,\"output_tokens\":4,\"input_tokens_details\":{\"cached_tokens\":2},"
        "\"output_tokens_details\":{\"reasoning_tokens\":1}}}}\n\n");
    EXPECT_EQ(responses.reported().prompt_tokens, 9);
    EXPECT_EQ(responses.reported().completion_tokens, 4);
    EXPECT_EQ(responses.reported().cached_tokens, 2);
    // Anthropic: the prompt is input + cache reads + cache writes; the delta's output wins.
    const auto anthropic = feed(
        200,
        "text/event-stream",
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":"
        "{\"input_tokens\":10,\"cache_read_input_tokens\":100,\"cache_creation_input_tokens\":5,"
        "\"output_tokens\":1}}}\n\n"
        "event: message_delta\ndata: "
        "{\"type\":\"message_delta\",\"usage\":{\"output_tokens\":42}}\n\n");
    EXPECT_EQ(anthropic.reported().prompt_tokens, 115);
    EXPECT_EQ(anthropic.reported().cached_tokens, 100);
    EXPECT_EQ(anthropic.reported().completion_tokens, 42);
}

TEST(UsageTap, NumbersThatAreNoCountAreLeftToTheLocalCountErrorsAndHugeBodiesIgnored) {
    const auto absurd =
        feed(200, "application/json", R"({"usage":{"prompt_tokens":-5,"completion_tokens":1e12}})");
    EXPECT_TRUE(absurd.reported().invalid);
    EXPECT_FALSE(absurd.reported().prompt_tokens);
    EXPECT_FALSE(absurd.reported().completion_tokens);
    for (const char* bad :
         {"\"10\"", "1e400", "9223372036854775807", "1.5", "null", "true", "-1"}) {
        const auto u =
            feed(200,
                 "application/json",
                 std::string(R"({"usage":{"prompt_tokens":7,"completion_tokens":)") + bad + "}}");
        EXPECT_TRUE(u.reported().invalid) << bad;
        EXPECT_EQ(u.reported().prompt_tokens, 7) << bad;
        EXPECT_FALSE(u.reported().completion_tokens) << bad;
    }
    const auto fine = feed(
        200, "application/json", R"({"usage":{"prompt_tokens":7,"completion_tokens":50000000}})");
    EXPECT_FALSE(fine.reported().invalid);
    EXPECT_EQ(fine.reported().completion_tokens, max_reported_tokens);
    const auto anthropic = feed(
        200,
        "application/json",
        R"({"type":"message","usage":{"input_tokens":10,"cache_read_input_tokens":-1,"output_tokens":3}})");
    EXPECT_TRUE(anthropic.reported().invalid);
    EXPECT_FALSE(anthropic.reported().prompt_tokens);
    EXPECT_EQ(anthropic.reported().completion_tokens, 3);
    const auto error =
        feed(500, "application/json", R"({"usage":{"prompt_tokens":5,"completion_tokens":5}})");
    EXPECT_FALSE(error.reported().prompt_tokens);
    usage_tap small(16);
    small.on_head(200, "application/json");
    small.on_body(R"({"usage":{"prompt_tokens":5,"completion_tokens":5}})");
    small.on_end(true);
    EXPECT_FALSE(small.reported().prompt_tokens);
    const auto garbage = feed(200, "application/json", "not json");
    EXPECT_FALSE(garbage.reported().prompt_tokens);
}

TEST(UsageTap, DecodesEscapedTextAndIgnoresWhatIsNotJson) {
    usage_tap tap;
    tap.keep_text(1024);
    tap.on_head(200, "application/json");
    // No usage reported: the text is what will be counted.
    tap.on_body(R"({"choices":[{"index":0,"message":{"content":"caf\u00e9 \"x\""}}]})");
    tap.on_end(true);
    EXPECT_EQ(tap.produced_text(), std::vector<std::string>{"caf\xc3\xa9 \"x\""});
    EXPECT_FALSE(tap.reported().prompt_tokens);

    usage_tap broken;
    broken.on_head(200, "application/json");
    broken.on_body(R"({"usage":{"prompt_tokens":5,"completion_tokens":4})");  // unclosed
    broken.on_end(true);
    EXPECT_FALSE(broken.reported().prompt_tokens);

    usage_tap stream;
    stream.on_head(200, "text/event-stream");
    stream.on_body("data: {\"usage\":{\"prompt_tokens\":-3,\"completion_tokens\":1e12}}\n\n");
    stream.on_body("data: not json\n\ndata: [DONE]\n\n");
    stream.on_end(true);
    EXPECT_FALSE(stream.reported().prompt_tokens);
    EXPECT_FALSE(stream.reported().completion_tokens);
    EXPECT_TRUE(stream.reported().invalid);
}

TEST(UsageTap, KeepsTheProducedTextPerChoiceUpToItsCap) {
    usage_tap tap;
    tap.keep_text(1024);
    tap.on_head(200, "text/event-stream");
    tap.on_body(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n"
        "data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"By\"}}]}\n\n"
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}\n\n"
        "data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"e\"}}]}\n\n");
    tap.on_end(false);
    EXPECT_EQ(tap.produced_text(), (std::vector<std::string>{"Hello", "Bye"}));
    EXPECT_EQ(tap.produced_bytes_not_kept(), 0U);

    usage_tap capped;
    capped.keep_text(4);
    capped.on_head(200, "text/event-stream");
    capped.on_body("data: {\"choices\":[{\"delta\":{\"content\":\"abc\"}}]}\n\n");
    capped.on_body("data: {\"choices\":[{\"delta\":{\"content\":\"defg\"}}]}\n\n");
    capped.on_body("data: {\"choices\":[{\"delta\":{\"content\":\"h\"}}]}\n\n");
    EXPECT_EQ(capped.produced_text(), std::vector<std::string>{"abc"});
    EXPECT_EQ(capped.produced_bytes_not_kept(), 5U) << "the rest is sized, never a gap";
}

}  // namespace
}  // namespace tollgate::metering

#include "tollgate/tokens/sse_parser.hpp"

#include <gtest/gtest.h>

namespace tollgate::tokens {
namespace {

std::vector<sse_event> parse_in_pieces(std::string_view text, std::size_t piece) {
    sse_parser p;
    std::vector<sse_event> out;
    for (std::size_t i = 0; i < text.size(); i += piece) {
        p.feed(text.substr(i, piece), out);
    }
    return out;
}

constexpr std::string_view stream =
    ": keep-alive comment\r\n"
    "data: {\"a\":1}\r\n\r\n"
    "event: message_delta\n"
    "data: line one\n"
    "data:line two\n"
    "id: 7\n\n"
    "data: [DONE]\r\r"
    "event: ignored-without-data\n\n";

TEST(SseParser, SplitsEventsWhateverThePieceSize) {
    for (std::size_t piece : {1u, 2u, 3u, 7u, 1000u}) {
        const auto events = parse_in_pieces(stream, piece);
        ASSERT_EQ(events.size(), 3u) << "piece " << piece;
        EXPECT_EQ(events[0].data, "{\"a\":1}");
        EXPECT_EQ(events[0].type, "");
        EXPECT_EQ(events[1].type, "message_delta");
        EXPECT_EQ(events[1].data, "line one\nline two");
        EXPECT_EQ(events[1].id, "7");
        EXPECT_EQ(events[2].data, "[DONE]");
    }
}

TEST(SseParser, CrLfSplitAcrossFeedsIsOneLineEnd) {
    sse_parser p;
    std::vector<sse_event> out;
    p.feed("data: x\r", out);
    p.feed("\n", out);
    EXPECT_TRUE(out.empty());
    p.feed("\r", out);
    p.feed("\n", out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].data, "x");
}

TEST(SseParser, UnfinishedEventIsHeld) {
    sse_parser p;
    std::vector<sse_event> out;
    p.feed("data: partial", out);
    EXPECT_TRUE(out.empty());
    EXPECT_GT(p.buffered_bytes(), 0u);
}

}  // namespace
}  // namespace tollgate::tokens

namespace tollgate::tokens {
namespace {

// A line that never ends (a hostile or broken upstream) holds at most the bound; the event
// is dropped and the next one parses as usual, split anywhere.
TEST(SseParser, AnEventPastTheBoundIsDroppedNotHeld) {
    for (std::size_t split = 1; split < 40; split += 3) {
        sse_parser p(64);
        std::vector<sse_event> out;
        const std::string huge = "data: " + std::string(10'000, 'x') + "\n\n";
        const std::string all = "data: a\n\n" + huge + "data: b\n\n";
        for (std::size_t i = 0; i < all.size(); i += split) {
            p.feed(std::string_view(all).substr(i, split), out);
            EXPECT_LE(p.buffered_bytes(), 64u);
        }
        ASSERT_EQ(out.size(), 2u) << split;
        EXPECT_EQ(out[0].data, "a");
        EXPECT_EQ(out[1].data, "b");
        EXPECT_GE(p.dropped_bytes(), 10'000u);
    }
}

TEST(SseParser, ManyDataLinesPastTheBoundDropTheEvent) {
    sse_parser p(32);
    std::vector<sse_event> out;
    std::string all;
    for (int i = 0; i < 20; ++i) {
        all += "data: 0123456789\n";
    }
    all += "\ndata: ok\n\n";
    p.feed(all, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].data, "ok");
}

TEST(SseParser, ALineThatNeverEndsStaysBounded) {
    sse_parser p(1024);
    std::vector<sse_event> out;
    const std::string chunk(4096, 'y');
    p.feed("data: ", out);
    for (int i = 0; i < 1000; ++i) {  // 4 MB, no newline
        p.feed(chunk, out);
    }
    EXPECT_LE(p.buffered_bytes(), 1024u);
    EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace tollgate::tokens

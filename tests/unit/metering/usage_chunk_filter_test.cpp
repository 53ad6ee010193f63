#include "tollgate/metering/usage_chunk_filter.hpp"

#include <gtest/gtest.h>

namespace tollgate::metering {
namespace {

const std::string content =
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}],"
    "\"usage\":null}\n\n";
const std::string usage =
    "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,"
    "\"completion_tokens\":1,\"total_tokens\":4}}\n\n";
const std::string done = "data: [DONE]\n\n";

// Feeds `stream` in pieces of `step` bytes; what the client would see.
std::string through(const std::string& stream, std::size_t step, usage_chunk_filter& f) {
    std::string out;
    for (std::size_t i = 0; i < stream.size(); i += step) {
        out += f.on_body(std::string_view(stream).substr(i, step));
    }
    out += f.flush();
    return out;
}

TEST(UsageChunkFilter, RemovesTheUsageChunkWhereverThePiecesSplit) {
    const std::string stream = content + content + usage + done;
    for (std::size_t step : {1u, 2u, 7u, 50u, 1000u}) {
        usage_chunk_filter f;
        EXPECT_EQ(through(stream, step, f), content + content + done) << step;
        EXPECT_TRUE(f.removed());
    }
}

TEST(UsageChunkFilter, AResetFilterIsANewOne) {
    usage_chunk_filter f;
    // Left mid-event and with the usage chunk removed, as a client that hung up leaves it.
    through(content + usage + content.substr(0, 10), 7, f);
    ASSERT_TRUE(f.removed());
    f.reset();
    EXPECT_FALSE(f.removed());
    EXPECT_EQ(through(content + done, 3, f), content + done) << "nothing held over";
}

TEST(UsageChunkFilter, PassesWholeEventsWithoutACopy) {
    usage_chunk_filter f;
    const std::string piece = content + content;
    const auto out = f.on_body(piece);
    EXPECT_EQ(out.data(), piece.data());
    EXPECT_EQ(out.size(), piece.size());
    EXPECT_FALSE(f.removed());
}

TEST(UsageChunkFilter, KeepsEverythingElse) {
    // A chunk with choices and usage (the client's own include_usage shape differs only in
    // choices), comments, other events, CRLF line ends, and an unfinished tail.
    const std::string with_choices =
        "data: {\"choices\":[{\"index\":0}],\"usage\":{\"total_tokens\":4}}\r\n\r\n";
    const std::string other = ": keep-alive\n\nevent: ping\ndata: {\"usage\":1}\n\n";
    const std::string stream = with_choices + other + "data: {\"partial\"";
    for (std::size_t step : {1u, 3u, 500u}) {
        usage_chunk_filter f;
        EXPECT_EQ(through(stream, step, f), stream) << step;
        EXPECT_FALSE(f.removed());
    }
}

TEST(UsageChunkFilter, HandlesCrLineEndsAndMultiLineData) {
    const std::string crlf_usage =
        "data: {\"choices\": [ ],\r\ndata: \"usage\":{\"total_tokens\":4}}\r\n\r\n";
    const std::string cr_done = "data: [DONE]\r\r";
    usage_chunk_filter f;
    EXPECT_EQ(through(crlf_usage + cr_done, 5, f), cr_done);
    EXPECT_TRUE(f.removed());
}

TEST(UsageChunkFilter, ALongEventIsPassedOnNotHeld) {
    usage_chunk_filter f(16);
    const std::string big = "data: " + std::string(100, 'x') + "\n\n";
    std::string out;
    out += f.on_body(std::string_view(big).substr(0, 50));
    EXPECT_EQ(out.size(), 50u) << "passed on before its end";
    out += f.on_body(std::string_view(big).substr(50));
    out += f.on_body(usage);
    EXPECT_EQ(out + std::string(f.flush()), big);
    EXPECT_TRUE(f.removed());
}

TEST(UsageChunkFilter, RecognisesOnlyTheUsageOnlyChunk) {
    EXPECT_TRUE(is_usage_chunk(usage));
    EXPECT_FALSE(is_usage_chunk(content));
    EXPECT_FALSE(is_usage_chunk(done));
    EXPECT_FALSE(is_usage_chunk("data: {\"choices\":[],\"usage\":null}\n\n"));
    EXPECT_FALSE(is_usage_chunk("data: {\"choices\":[],\"usage\":{}\n\n"));  // invalid JSON
}

}  // namespace
}  // namespace tollgate::metering

#include "tollgate/proxy/chunked_decoder.hpp"

#include <gtest/gtest.h>

namespace tollgate::proxy {
namespace {

struct decoded {
    boost::system::error_code ec;
    std::string body;
    std::size_t consumed = 0;
    bool done = false;
};

decoded decode_whole(std::string_view in,
                     std::size_t max_line = 64,
                     std::size_t max_body = 1 << 20) {
    chunked_decoder d(max_line, max_body);
    decoded out;
    auto r = d.feed(in, out.body);
    if (!r) {
        out.ec = r.error();
    } else {
        out.consumed = *r;
    }
    out.done = d.done();
    return out;
}

decoded decode_bytewise(std::string_view in, std::size_t max_line = 64) {
    chunked_decoder d(max_line, 1 << 20);
    decoded out;
    for (std::size_t i = 0; i < in.size() && !d.done(); ++i) {
        auto r = d.feed(in.substr(i, 1), out.body);
        if (!r) {
            out.ec = r.error();
            return out;
        }
        out.consumed += *r;
    }
    out.done = d.done();
    return out;
}

constexpr std::string_view message =
    "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: y\r\n\r\nNEXT";

TEST(ChunkedDecoder, DecodesWholeAndStopsAtMessageEnd) {
    auto d = decode_whole(message);
    EXPECT_FALSE(d.ec);
    EXPECT_TRUE(d.done);
    EXPECT_EQ(d.body, "hello, world");
    EXPECT_EQ(message.substr(d.consumed), "NEXT");
}

TEST(ChunkedDecoder, ByteByByteGivesTheSameResult) {
    auto d = decode_bytewise(message);
    EXPECT_FALSE(d.ec);
    EXPECT_TRUE(d.done);
    EXPECT_EQ(d.body, "hello, world");
    EXPECT_EQ(d.consumed, message.size() - 4);
}

TEST(ChunkedDecoder, HexCaseAndLeadingZeros) {
    auto d = decode_whole("000A\r\n0123456789\r\n0\r\n\r\n");
    EXPECT_FALSE(d.ec);
    EXPECT_EQ(d.body, "0123456789");
}

TEST(ChunkedDecoder, RefusesOverLongSizeLine) {
    const std::string zeros(100, '0');
    EXPECT_EQ(decode_whole(zeros + "1\r\nx\r\n0\r\n\r\n", 1024).ec,
              error::bad_framing);  // > 16 digits
    const std::string ext(200, 'e');
    EXPECT_EQ(decode_whole("1;" + ext + "\r\nx\r\n0\r\n\r\n", 64).ec, error::bad_framing);
    EXPECT_EQ(decode_bytewise("1;" + ext + "\r\nx\r\n0\r\n\r\n", 64).ec, error::bad_framing);
}

TEST(ChunkedDecoder, RefusesMalformedFraming) {
    for (std::string_view bad : {"\r\n",
                                 "x\r\n",
                                 "5\nhello\r\n0\r\n\r\n",
                                 "5\r\nhelloX\r\n",
                                 "5\r\nhello\r0",
                                 "-5\r\n",
                                 "5\r\nhello\r\n0\r\nbad\ntrailer\r\n\r\n",
                                 "1;\x01\r\n"}) {
        EXPECT_EQ(decode_whole(bad).ec, error::bad_framing) << bad;
    }
}

TEST(ChunkedDecoder, EnforcesTheBodyLimit) {
    auto d = decode_whole("10\r\n0123456789abcdef\r\n0\r\n\r\n", 64, 15);
    EXPECT_EQ(d.ec, error::body_too_large);
}

TEST(ChunkedDecoder, TrailerSectionIsBounded) {
    const std::string with_trailer =
        "1\r\nx\r\n0\r\nX-Trailer: " + std::string(100, 't') + "\r\n\r\n";
    chunked_decoder roomy(64, 1024, 1024);
    std::string body;
    ASSERT_TRUE(roomy.feed(with_trailer, body));
    EXPECT_TRUE(roomy.done());
    chunked_decoder tight(64, 1024, 50);
    EXPECT_EQ(tight.feed(with_trailer, body).error(), error::bad_framing);
}

TEST(ChunkedDecoder, IncompleteInputWaitsForMore) {
    auto d = decode_whole("5\r\nhel");
    EXPECT_FALSE(d.ec);
    EXPECT_FALSE(d.done);
    EXPECT_EQ(d.body, "hel");
}

}  // namespace
}  // namespace tollgate::proxy

namespace tollgate::proxy {
namespace {

TEST(ChunkedDecoder, AcceptsExtensionsOfTheGrammar) {
    for (std::string_view ok : {"1;a\r\nx\r\n0\r\n\r\n",
                                "1;a=b\r\nx\r\n0\r\n\r\n",
                                "1 ; a = b ;c\r\nx\r\n0\r\n\r\n",
                                "1;a=\"q \\\" ;x\"\r\nx\r\n0\r\n\r\n",
                                "1;a=\"\";b\r\nx\r\n0;last\r\n\r\n"}) {
        const auto d = decode_whole(ok);
        EXPECT_FALSE(d.ec) << ok;
        EXPECT_EQ(d.body, "x") << ok;
        EXPECT_EQ(decode_bytewise(ok).ec, d.ec) << ok;
    }
}

TEST(ChunkedDecoder, RefusesExtensionsOutsideTheGrammar) {
    for (std::string_view bad : {"1 \r\nx\r\n0\r\n\r\n",          // space, then no `;`
                                 "1;a=b\t\r\nx\r\n0\r\n\r\n",     // the same after a value
                                 "1;\r\nx\r\n0\r\n\r\n",          // no name
                                 "1;=v\r\nx\r\n0\r\n\r\n",        // no name
                                 "1;a=\r\nx\r\n0\r\n\r\n",        // no value
                                 "1;a b\r\nx\r\n0\r\n\r\n",       // two names
                                 "1;a=b c\r\nx\r\n0\r\n\r\n",     // two values
                                 "1;a=\"open\r\nx\r\n0\r\n\r\n",  // unclosed quote
                                 "1;a=\"x\"y\r\nx\r\n0\r\n\r\n",  // bytes after the quote
                                 "1;a(b)\r\nx\r\n0\r\n\r\n",      // not a token
                                 "1;a=b,c\r\nx\r\n0\r\n\r\n"}) {
        EXPECT_EQ(decode_whole(bad).ec, error::bad_framing) << bad;
        EXPECT_EQ(decode_bytewise(bad).ec, error::bad_framing) << bad;
    }
}

// A last chunk without the empty line that ends the body: the next request's line is not a
// field line, so it is refused instead of being swallowed as a trailer.
TEST(ChunkedDecoder, TrailerLinesMustBeFieldLines) {
    EXPECT_EQ(decode_whole("0\r\nGET /v1/models HTTP/1.1\r\nHost: a\r\n\r\n").ec,
              error::bad_framing);
    for (std::string_view bad : {"0\r\n: no name\r\n\r\n",
                                 "0\r\nNo-Colon\r\n\r\n",
                                 "0\r\nBad Name: v\r\n\r\n",
                                 "0\r\nX: a\x01\r\n\r\n"}) {
        EXPECT_EQ(decode_whole(bad).ec, error::bad_framing) << bad;
    }
    const auto d = decode_whole("0\r\nX-A: 1\r\nX-B:\r\n\r\nNEXT");
    EXPECT_FALSE(d.ec);
    EXPECT_TRUE(d.done);
}

TEST(ChunkedDecoder, RefusesFramingOutOfProportionToThePayload) {
    // 4 KiB of payload in 1-byte chunks, each with a 100-byte extension: ~100x overhead.
    std::string flood;
    const std::string ext = ";" + std::string(100, 'e');
    for (int i = 0; i < 4096; ++i) {
        flood += "1" + ext + "\r\nx\r\n";
    }
    flood += "0\r\n\r\n";
    EXPECT_EQ(decode_whole(flood, 1024, 1 << 20).ec, error::bad_framing);
    EXPECT_EQ(decode_bytewise(flood, 1024).ec, error::bad_framing);

    // The same payload in 1-byte chunks without extensions (5 framing bytes a byte) passes.
    std::string small;
    for (int i = 0; i < 4096; ++i) {
        small += "1\r\nx\r\n";
    }
    small += "0\r\n\r\n";
    const auto d = decode_whole(small, 1024, 1 << 20);
    EXPECT_FALSE(d.ec);
    EXPECT_EQ(d.body.size(), 4096u);
}

}  // namespace
}  // namespace tollgate::proxy

#include "tollgate/proxy/response_body.hpp"

#include "tollgate/core/error.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tollgate::proxy {
namespace {

using kind = response_framing::kind;

response_framing framing(unsigned status,
                         std::vector<header_view> fields,
                         bool head_request = false) {
    auto f = frame_response(status, head_request, fields);
    EXPECT_TRUE(f);
    return f ? *f : response_framing{};
}

TEST(ResponseFraming, FollowsRfc9112Section63) {
    EXPECT_EQ(framing(200, {{"Content-Length", "12"}}).body, kind::length);
    EXPECT_EQ(framing(200, {{"Content-Length", "12"}}).length, 12u);
    EXPECT_EQ(framing(200, {{"transfer-encoding", "chunked"}}).body, kind::chunked);
    EXPECT_EQ(framing(200, {{"Transfer-Encoding", "gzip, chunked"}}).body, kind::chunked);
    EXPECT_EQ(framing(200, {{"Transfer-Encoding", "gzip"}}).body, kind::until_close);
    EXPECT_FALSE(framing(200, {{"Transfer-Encoding", "gzip"}}).reusable);
    EXPECT_EQ(framing(200, {}).body, kind::until_close);
    EXPECT_FALSE(framing(200, {}).reusable);
    for (unsigned status : {100u, 204u, 304u}) {
        EXPECT_EQ(framing(status, {{"Content-Length", "5"}}).body, kind::none) << status;
    }
    EXPECT_EQ(framing(200, {{"Content-Length", "5"}}, true).body, kind::none);  // HEAD
}

TEST(ResponseFraming, TransferEncodingWinsOverContentLengthAndEndsTheConnection) {
    const auto f = framing(200, {{"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}});
    EXPECT_EQ(f.body, kind::chunked);
    EXPECT_FALSE(f.reusable);
}

TEST(ResponseFraming, RefusesContentLengthsNobodyCanTrust) {
    const std::vector<std::vector<header_view>> bad = {
        {{"Content-Length", "-1"}},
        {{"Content-Length", "1 2"}},
        {{"Content-Length", "5, 5"}},
        {{"Content-Length", "5"}, {"Content-Length", "6"}},
        {{"Content-Length", "99999999999999999999"}}};
    for (const auto& fields : bad) {
        EXPECT_EQ(frame_response(200, false, fields).error(), error::bad_framing);
    }
    EXPECT_TRUE(frame_response(200, false, {{{"Content-Length", "5"}, {"Content-Length", "5"}}}));
}

TEST(ResponseBody, ALengthBodyIsViewsOfTheBytesUpToItsLength) {
    response_body body(framing(200, {{"Content-Length", "8"}}));
    std::string decoded;
    std::size_t used = 0;
    auto a = body.next("abcde", decoded, used);
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, "abcde");
    EXPECT_EQ(used, 5u);
    EXPECT_FALSE(body.done());
    const std::string_view rest = "fghHTTP/1.1";  // the next response's bytes are not taken
    auto b = body.next(rest, decoded, used);
    ASSERT_TRUE(b);
    EXPECT_EQ(*b, "fgh");
    EXPECT_EQ(b->data(), rest.data());  // a view, not a copy
    EXPECT_EQ(used, 3u);
    EXPECT_TRUE(body.done());
}

TEST(ResponseBody, AChunkedBodyIsDecodedInAnySplit) {
    const std::string wire = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: x\r\n\r\n";
    for (std::size_t step = 1; step <= wire.size(); ++step) {
        response_body body(framing(200, {{"Transfer-Encoding", "chunked"}}));
        std::string decoded;
        std::string payload;
        std::string pending;
        for (std::size_t at = 0; at < wire.size() && !body.done(); at += step) {
            pending += wire.substr(at, step);
            std::size_t used = 0;
            auto piece = body.next(pending, decoded, used);
            ASSERT_TRUE(piece) << step;
            payload += *piece;
            pending.erase(0, used);
        }
        EXPECT_TRUE(body.done()) << step;
        EXPECT_EQ(payload, "hello, world") << step;
    }
}

TEST(ResponseBody, MalformedChunksAreRefused) {
    response_body body(framing(200, {{"Transfer-Encoding", "chunked"}}));
    std::string decoded;
    std::size_t used = 0;
    EXPECT_EQ(body.next("zz\r\n", decoded, used).error(), error::bad_framing);
    response_body after(framing(200, {{"Transfer-Encoding", "chunked"}}));
    auto first = after.next("5\r\nhello\r\nzz\r\n", decoded, used);
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, "hello");  // what came before the fault
    EXPECT_EQ(after.next("", decoded, used).error(), error::bad_framing);
}

TEST(ResponseBody, ACloseDelimitedBodyEndsOnlyAtTheClose) {
    response_body body(framing(200, {}));
    std::string decoded;
    std::size_t used = 0;
    auto a = body.next("all of it", decoded, used);
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, "all of it");
    EXPECT_FALSE(body.done());
    EXPECT_TRUE(body.ends_at_close());
    body.closed();
    EXPECT_TRUE(body.done());
}

TEST(ResponseBody, NoBodyIsDoneAtOnce) {
    EXPECT_TRUE(response_body(framing(204, {})).done());
    EXPECT_TRUE(response_body(framing(200, {{"Content-Length", "0"}})).done());
    response_body length(framing(200, {{"Content-Length", "3"}}));
    length.closed();  // a close does not complete a length-delimited body
    EXPECT_FALSE(length.done());
}

}  // namespace
}  // namespace tollgate::proxy

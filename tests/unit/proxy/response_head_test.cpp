#include "tollgate/proxy/response_head.hpp"

#include "tollgate/core/error.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tollgate::proxy {
namespace {

using state = head_parser::state;

constexpr std::string_view typical =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 17\r\n"
    "\r\n";

TEST(ResponseHead, ParsesAStatusLineAndFields) {
    std::vector<header_view> fields;
    response_head head(fields, 8192);
    ASSERT_EQ(head.feed(typical), state::done);
    EXPECT_EQ(head.status(), 200u);
    EXPECT_EQ(head.version(), 11u);
    EXPECT_TRUE(head.keep_alive());
    EXPECT_FALSE(head.interim());
    EXPECT_EQ(head.size(), typical.size());
    ASSERT_EQ(fields.size(), 2u);
    EXPECT_EQ(fields[1].name, "Content-Length");
    EXPECT_EQ(fields[1].value, "17");
}

TEST(ResponseHead, ByteByByteFromAMovingBufferParsesTheSame) {
    std::vector<header_view> fields;
    response_head head(fields, 8192);
    state s = state::need_more;
    for (std::size_t n = 1; n <= typical.size() && s == state::need_more; ++n) {
        const std::string moving(typical.substr(0, n));  // elsewhere each time
        s = head.feed(moving);
        if (s == state::done) {
            EXPECT_EQ(fields[0].value, "application/json");  // views of the last bytes fed
        }
    }
    EXPECT_EQ(s, state::done);
    EXPECT_EQ(head.status(), 200u);
}

TEST(ResponseHead, TheReasonPhraseMayBeEmptyOrMissing) {
    for (const std::string_view line :
         {"HTTP/1.1 204 No Content\r\n\r\n", "HTTP/1.1 204 \r\n\r\n", "HTTP/1.1 204\r\n\r\n"}) {
        std::vector<header_view> fields;
        response_head head(fields, 8192);
        EXPECT_EQ(head.feed(line), state::done) << line;
        EXPECT_EQ(head.status(), 204u) << line;
    }
}

TEST(ResponseHead, InterimAndConnectionRules) {
    std::vector<header_view> fields;
    response_head cont(fields, 8192);
    ASSERT_EQ(cont.feed("HTTP/1.1 100 Continue\r\n\r\n"), state::done);
    EXPECT_TRUE(cont.interim());
    fields.clear();
    response_head old(fields, 8192);
    ASSERT_EQ(old.feed("HTTP/1.0 200 OK\r\n\r\n"), state::done);
    EXPECT_FALSE(old.keep_alive());
    fields.clear();
    response_head closing(fields, 8192);
    ASSERT_EQ(closing.feed("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"), state::done);
    EXPECT_FALSE(closing.keep_alive());
}

TEST(ResponseHead, RefusesMalformedStatusLinesAndFields) {
    for (const std::string_view bad : {"HTTP/1.1 20 OK\r\n\r\n",
                                       "HTTP/1.1 2000 OK\r\n\r\n",
                                       "HTTP/1.1 abc OK\r\n\r\n",
                                       "HTTP/2 200 OK\r\n\r\n",
                                       "HTTP/1.1 099 Low\r\n\r\n",
                                       "HTTP/1.1 200 OK\n\r\n",
                                       "\r\nHTTP/1.1 200 OK\r\n\r\n",
                                       "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
                                       "HTTP/1.1 200 OK\r\n folded\r\n\r\n"}) {
        std::vector<header_view> fields;
        response_head head(fields, 8192);
        EXPECT_EQ(head.feed(bad), state::failed) << bad;
        EXPECT_EQ(head.error(), error::bad_request) << bad;
    }
}

TEST(ResponseHead, AHeadOverTheLimitIsTooLarge) {
    std::vector<header_view> fields;
    response_head head(fields, 64);
    const std::string big = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(100, 'a') + "\r\n\r\n";
    EXPECT_EQ(head.feed(big), state::failed);
    EXPECT_EQ(head.error(), error::headers_too_large);
}

}  // namespace
}  // namespace tollgate::proxy

#include "tollgate/proxy/request_head.hpp"

#include "tollgate/core/error.hpp"

#include <memory>
#include <memory_resource>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tollgate::proxy {
namespace {

using state = request_head::state;

// A parser with its arena and fields, fed whole or in pieces.
struct parsed {
    std::pmr::monotonic_buffer_resource arena;
    std::vector<header_view> fields;
    request_head head;

    explicit parsed(std::size_t limit = 8192) : head(arena, fields, limit) {}

    state whole(std::string_view bytes) { return head.feed(bytes); }
    // Feeds growing prefixes, one byte more each time, as a slow client would send them.
    state byte_by_byte(std::string_view bytes) {
        state s = state::need_more;
        for (std::size_t n = 1; n <= bytes.size() && s == state::need_more; ++n) {
            s = head.feed(bytes.substr(0, n));
        }
        return s;
    }
    std::string value(std::string_view name) const {
        for (const auto& f : fields) {
            if (iequals(f.name, name)) {
                return std::string(f.value);
            }
        }
        return "<none>";
    }
};

constexpr std::string_view typical =
    "POST /v1/chat/completions HTTP/1.1\r\n"
    "Host: api.example.com\r\n"
    "Content-Type: application/json\r\n"
    "Authorization: Bearer tg_abc\r\n"
    "Content-Length: 113\r\n"
    "\r\n";

TEST(RequestHead, ParsesATypicalHead) {
    parsed p;
    ASSERT_EQ(p.whole(typical), state::done);
    EXPECT_EQ(p.head.method_string(), "POST");
    EXPECT_EQ(p.head.target(), "/v1/chat/completions");
    EXPECT_EQ(p.head.version(), 11u);
    EXPECT_TRUE(p.head.keep_alive());
    EXPECT_EQ(p.head.size(), typical.size());
    ASSERT_EQ(p.fields.size(), 4u);
    EXPECT_EQ(p.fields[0].name, "Host");
    EXPECT_EQ(p.fields[0].value, "api.example.com");
    EXPECT_EQ(p.value("authorization"), "Bearer tg_abc");
    EXPECT_EQ(p.value("content-length"), "113");
}

TEST(RequestHead, AHeadArrivingByteByByteParsesTheSame) {
    parsed p;
    EXPECT_EQ(p.byte_by_byte(typical), state::done);
    EXPECT_EQ(p.head.size(), typical.size());
    EXPECT_EQ(p.fields.size(), 4u);
    EXPECT_EQ(p.value("host"), "api.example.com");
    EXPECT_EQ(p.head.target(), "/v1/chat/completions");
}

// A growing buffer moves its bytes; once done, the views point into the arena's copy, so
// they outlive every buffer fed (AddressSanitizer checks the reads in CI).
TEST(RequestHead, ViewsOutliveAMovingBuffer) {
    parsed p;
    state s = state::need_more;
    for (std::size_t n = 1; n <= typical.size() && s == state::need_more; ++n) {
        auto moved = std::make_unique<std::string>(typical.substr(0, n));
        s = p.head.feed(*moved);
    }
    ASSERT_EQ(s, state::done);
    EXPECT_EQ(p.head.method_string(), "POST");
    EXPECT_EQ(p.head.target(), "/v1/chat/completions");
    EXPECT_EQ(p.value("host"), "api.example.com");
    EXPECT_EQ(p.value("authorization"), "Bearer tg_abc");
    EXPECT_EQ(p.value("content-length"), "113");
}

TEST(RequestHead, StopsAtTheEndOfTheHead) {
    parsed p;
    const std::string pipelined = std::string(typical) + "{\"model\":\"m\"}GET / HTTP/1.1\r\n";
    ASSERT_EQ(p.whole(pipelined), state::done);
    EXPECT_EQ(p.head.size(), typical.size());
}

TEST(RequestHead, NothingYetIsNotSome) {
    parsed p;
    EXPECT_EQ(p.whole(""), state::need_more);
    EXPECT_FALSE(p.head.got_some());
    EXPECT_EQ(p.whole("GE"), state::need_more);
    EXPECT_TRUE(p.head.got_some());
}

TEST(RequestHead, SkipsEmptyLinesBeforeTheRequestLine) {
    parsed p;
    ASSERT_EQ(p.whole("\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n"), state::done);
    EXPECT_EQ(p.head.method_string(), "GET");
    EXPECT_EQ(p.fields.size(), 1u);
}

TEST(RequestHead, TrimsValuesAndKeepsEmptyOnes) {
    parsed p;
    ASSERT_EQ(
        p.whole("GET / HTTP/1.1\r\nA: \t spaced \t\r\nB:\r\nC:tight\r\nD: caf\xc3\xa9\r\n\r\n"),
        state::done);
    EXPECT_EQ(p.value("a"), "spaced");
    EXPECT_EQ(p.value("b"), "");
    EXPECT_EQ(p.value("c"), "tight");
    EXPECT_EQ(p.value("d"), "caf\xc3\xa9");  // obs-text is allowed in a value
}

TEST(RequestHead, KeepAliveFollowsVersionAndConnection) {
    const auto keep_alive = [](std::string_view head) {
        parsed p;
        EXPECT_EQ(p.whole(head), state::done) << head;
        return p.head.keep_alive();
    };
    EXPECT_TRUE(keep_alive("GET / HTTP/1.1\r\n\r\n"));
    EXPECT_FALSE(keep_alive("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
    EXPECT_FALSE(keep_alive("GET / HTTP/1.1\r\nConnection: upgrade, Close\r\n\r\n"));
    EXPECT_TRUE(keep_alive("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n"));
    EXPECT_FALSE(keep_alive("GET / HTTP/1.0\r\n\r\n"));
    EXPECT_TRUE(keep_alive("GET / HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n"));
    EXPECT_FALSE(
        keep_alive("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"));
}

TEST(RequestHead, RefusesWhatTwoParsersCouldReadTwoWays) {
    const std::string_view bad[] = {
        "GET / HTTP/1.1\nHost: x\r\n\r\n",               // bare LF ending the request line
        "GET / HTTP/1.1\r\nHost: x\n\r\n",               // bare LF ending a field
        "GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n",          // bare CR inside a value
        "GET / HTTP/1.1\r\nHost : x\r\n\r\n",            // white space before the colon
        "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",  // obs-fold
        "GET / HTTP/1.1\r\nno colon here\r\n\r\n",
        "GET / HTTP/1.1\r\n: empty name\r\n\r\n",
        "GET / HTTP/1.1\r\nA(b): x\r\n\r\n",                        // not a token
        std::string_view("GET / HTTP/1.1\r\nA: x\0y\r\n\r\n", 27),  // NUL in a value
        "GET / HTTP/1.1\r\nA: x\x7fy\r\n\r\n",                      // DEL in a value
        "GET /a\x01 HTTP/1.1\r\n\r\n",                              // control in the target
        "GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n",                        // raw non-ASCII target
        "GET / HTTP/2.0\r\n\r\n",
        "GET / http/1.1\r\n\r\n",
        "GET / HTTP/1.1 \r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET /\r\n\r\n",
        " GET / HTTP/1.1\r\n\r\n",
        "G@T / HTTP/1.1\r\n\r\n",
    };
    for (const auto head : bad) {
        parsed whole;
        EXPECT_EQ(whole.whole(head), state::failed) << head;
        EXPECT_EQ(whole.head.error(), error::bad_request) << head;
        parsed slow;
        EXPECT_EQ(slow.byte_by_byte(head), state::failed) << head;
    }
}

TEST(RequestHead, AHeadOverTheLimitIsTooLarge) {
    const std::string big = "GET / HTTP/1.1\r\nX-Big: " + std::string(200, 'a') + "\r\n\r\n";
    {
        parsed p(100);  // the end of the head arrives, past the limit
        EXPECT_EQ(p.whole(big), state::failed);
        EXPECT_EQ(p.head.error(), error::headers_too_large);
    }
    {
        parsed p(100);  // no line end within the limit
        EXPECT_EQ(p.whole(std::string_view(big).substr(0, 150)), state::failed);
        EXPECT_EQ(p.head.error(), error::headers_too_large);
    }
    {
        parsed p(100);
        EXPECT_EQ(p.byte_by_byte(big), state::failed);
        EXPECT_EQ(p.head.error(), error::headers_too_large);
    }
    parsed exact(big.size());
    EXPECT_EQ(exact.whole(big), state::done);
}

}  // namespace
}  // namespace tollgate::proxy

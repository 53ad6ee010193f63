#include "tollgate/proxy/framing.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace tollgate::proxy {
namespace {

result<body_framing> check(unsigned version, std::vector<header_view> fields) {
    return check_framing(version, fields);
}

TEST(CheckFraming, PlainContentLength) {
    auto r = check(11, {{"Content-Length", "42"}});
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->chunked);
    EXPECT_EQ(r->content_length, 42u);
}

TEST(CheckFraming, Chunked) {
    auto r = check(11, {{"transfer-encoding", " Chunked "}});
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->chunked);
}

TEST(CheckFraming, NoBodyHeaders) {
    auto r = check(11, {{"Host", "x"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->content_length, 0u);
}

TEST(CheckFraming, RefusesEachSmugglingVector) {
    const std::vector<std::vector<header_view>> cases = {
        {{"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}},
        {{"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}},
        {{"Transfer-Encoding", "gzip, chunked"}},
        {{"Transfer-Encoding", "chunked, identity"}},
        {{"Transfer-Encoding", "identity"}},
        {{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}},
        {{"Content-Length", "5"}, {"Content-Length", "5"}},
        {{"Content-Length", "5, 5"}},
        {{"Content-Length", "+5"}},
        {{"Content-Length", "-1"}},
        {{"Content-Length", "0x10"}},
        {{"Content-Length", ""}},
        {{"Content-Length", "99999999999999999999"}},
    };
    for (const auto& fields : cases) {
        EXPECT_EQ(check(11, fields).error(), error::bad_framing)
            << fields[0].name << ": " << fields[0].value;
    }
}

TEST(CheckFraming, RefusesTransferEncodingOnHttp10) {
    EXPECT_EQ(check(10, {{"Transfer-Encoding", "chunked"}}).error(), error::bad_framing);
    EXPECT_TRUE(check(10, {{"Content-Length", "3"}}));
}

TEST(Iequals, MatchesAByteByByteComparisonAtEveryLengthAndPosition) {
    const auto reference = [](std::string_view a, std::string_view b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (std::size_t i = 0; i < a.size(); ++i) {
            const auto low = [](char c) {
                return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
            };
            if (low(a[i]) != low(b[i])) {
                return false;
            }
        }
        return true;
    };
    const std::string base = "x-ratelimit-remaining-tokens: Content-Length[]@`{~";
    for (std::size_t len = 0; len <= base.size(); ++len) {
        const std::string a = base.substr(0, len);
        std::string upper = a;
        for (auto& c : upper) {
            c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
        }
        EXPECT_TRUE(iequals(a, upper)) << a;
        for (std::size_t at = 0; at < len; ++at) {
            // One byte changed: to its other case (equal), or to a neighbour (different, also
            // across the '@'/'`' and '['/'{' pairs that differ by 0x20 but are not letters).
            for (const char c : {static_cast<char>(a[at] ^ 0x20), static_cast<char>(a[at] + 1)}) {
                std::string b = a;
                b[at] = c;
                EXPECT_EQ(iequals(a, b), reference(a, b)) << a << " vs " << b;
            }
        }
    }
    EXPECT_FALSE(iequals("content-length", "content-lengt"));
}

}  // namespace
}  // namespace tollgate::proxy

namespace tollgate::proxy {
namespace {

TEST(CheckHost, ExactlyOneForHttp11AtMostOneForHttp10) {
    const std::vector<header_view> one = {{"Host", "a"}};
    const std::vector<header_view> two = {{"Host", "a"}, {"host", "b"}};
    const std::vector<header_view> none = {{"Accept", "*/*"}};
    EXPECT_FALSE(check_host(11, one));
    EXPECT_EQ(check_host(11, two), error::bad_host);
    EXPECT_EQ(check_host(11, none), error::bad_host);
    EXPECT_FALSE(check_host(10, none));
    EXPECT_EQ(check_host(10, two), error::bad_host);
}

}  // namespace
}  // namespace tollgate::proxy

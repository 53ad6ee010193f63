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

}  // namespace
}  // namespace tollgate::proxy

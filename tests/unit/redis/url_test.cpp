#include "tollgate/redis/url.hpp"

#include "tollgate/redis/resp.hpp"

#include <gtest/gtest.h>

namespace tollgate::redis {
namespace {

TEST(RedisUrl, ParsesEveryPart) {
    auto u = parse_url("rediss://app:p%40ss@cache.internal:6380/3");
    ASSERT_TRUE(u);
    EXPECT_TRUE(u->tls);
    EXPECT_EQ(u->host, "cache.internal");
    EXPECT_EQ(u->port, 6380);
    EXPECT_EQ(u->user, "app");
    EXPECT_EQ(u->password, "p@ss");
    EXPECT_EQ(u->db, 3u);
    auto d = parse_url("redis://127.0.0.1");
    ASSERT_TRUE(d);
    EXPECT_FALSE(d->tls);
    EXPECT_EQ(d->port, 6379);
    EXPECT_EQ(d->db, 0u);
    auto pw = parse_url("redis://:secret@[::1]:7000/0");
    ASSERT_TRUE(pw);
    EXPECT_EQ(pw->host, "::1");
    EXPECT_EQ(pw->password, "secret");
    EXPECT_TRUE(pw->user.empty());
}

TEST(RedisUrl, RefusesMalformedUrls) {
    for (const char* bad : {"http://x",
                            "redis://",
                            "redis://h:0",
                            "redis://h:99999",
                            "redis://h/x",
                            "redis://h:12ab",
                            "redis://[::1",
                            "redis://a:%zz@h"}) {
        std::string why;
        EXPECT_FALSE(parse_url(bad, &why)) << bad;
        EXPECT_FALSE(why.empty()) << bad;
    }
}

TEST(Resp, FormatsCommandsAndReadsRepliesInPieces) {
    std::string out;
    const std::vector<std::string> cmd{"SET", "k", std::string("a\0b", 3)};
    append_command(out, cmd);
    EXPECT_EQ(out, std::string("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na\0b\r\n", 29));

    reader r;
    const std::string replies = "+OK\r\n$-1\r\n:42\r\n*2\r\n$1\r\na\r\n-ERR bad\r\n";
    std::vector<value> got;
    for (char c : replies) {
        r.feed(std::string_view(&c, 1));
        while (auto v = r.next()) {
            got.push_back(std::move(*v));
        }
    }
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got[0].type, value::kind::status);
    EXPECT_TRUE(got[1].is_nil());
    EXPECT_EQ(got[2].integer, 42);
    ASSERT_EQ(got[3].elements.size(), 2u);
    EXPECT_EQ(got[3].elements[0].str, "a");
    EXPECT_TRUE(got[3].elements[1].is_error());
    EXPECT_FALSE(r.failed());
    r.feed("?garbage\r\n");
    EXPECT_FALSE(r.next());
    EXPECT_TRUE(r.failed());
}

}  // namespace
}  // namespace tollgate::redis

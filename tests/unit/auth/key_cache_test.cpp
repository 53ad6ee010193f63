#include "tollgate/auth/key_cache.hpp"

#include <gtest/gtest.h>

namespace tollgate::auth {
namespace {

key_digest digest(std::uint8_t n) {
    key_digest d{};
    d[0] = n;
    d[31] = n;
    return d;
}

std::shared_ptr<const key_facts> facts(std::string key, std::string consumer) {
    auto f = std::make_shared<key_facts>();
    f->known = true;
    f->key_id = std::move(key);
    f->consumer_id = std::move(consumer);
    return f;
}

TEST(KeyCache, EvictsTheLeastRecentlyUsed) {
    key_cache c(2);
    const auto now = key_cache::clock::now();
    c.put(digest(1), facts("k1", "a"), now);
    c.put(digest(2), facts("k2", "a"), now);
    ASSERT_TRUE(c.find(digest(1)));  // 1 is now the most recent
    c.put(digest(3), facts("k3", "b"), now);
    EXPECT_TRUE(c.find(digest(1)));
    EXPECT_FALSE(c.find(digest(2)));
    EXPECT_TRUE(c.find(digest(3)));
    EXPECT_EQ(c.size(), 2u);
}

TEST(KeyCache, InvalidationsDropByKeyOrConsumerAndBumpTheGeneration) {
    key_cache c(10);
    const auto now = key_cache::clock::now();
    c.put(digest(1), facts("k1", "a"), now);
    c.put(digest(2), facts("k2", "a"), now);
    c.put(digest(3), facts("k3", "b"), now);
    const auto g = c.generation();
    c.drop_key("k3");
    EXPECT_FALSE(c.find(digest(3)));
    EXPECT_NE(c.generation(), g);
    c.drop_consumer("a");
    EXPECT_EQ(c.size(), 0u);
}

TEST(KeyCache, AStaleReadIsNotCachedAfterAnInvalidation) {
    key_cache c(10);
    const auto now = key_cache::clock::now();
    const auto g = c.generation();
    c.drop_key("k1");  // arrives while the store lookup is in flight
    c.put_if_unchanged(g, digest(1), facts("k1", "a"), now);
    EXPECT_FALSE(c.find(digest(1)));
    c.put_if_unchanged(c.generation(), digest(1), facts("k1", "a"), now);
    EXPECT_TRUE(c.find(digest(1)));
}

}  // namespace
}  // namespace tollgate::auth

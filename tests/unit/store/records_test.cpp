#include "tollgate/store/records.hpp"

#include <gtest/gtest.h>

namespace tollgate::store {
namespace {

TEST(Records, ConsumerRoundTrips) {
    consumer c;
    c.id = "acme";
    c.name = "Acme";
    c.plan = "free";
    c.limits = json::array({{{"window", "day"}, {"tokens", 5}}});
    c.metadata = {{"tier", "gold"}};
    c.disabled = true;
    c.created_at = 1795514400;
    c.updated_at = 1795514460;
    EXPECT_EQ(consumer_from_json(to_json(c)), c);
}

TEST(Records, KeyRoundTripsAndTheApiFormHasNoDigest) {
    key_record k;
    k.id = "key_1";
    k.consumer_id = "acme";
    k.prefix = "tg_abcdefgh";
    k.digest = std::string(64, 'a');
    k.created_at = 1795514400;
    k.expires_at = 1795600800;
    k.models = {"gpt-*"};
    EXPECT_EQ(key_from_json(to_json(k, true)), k);
    const auto api = to_json(k, false);
    EXPECT_FALSE(api.contains("digest"));
    EXPECT_EQ(api["expires_at"], "2026-11-25T10:00:00Z");
    EXPECT_TRUE(k.expired_at(1795600800));
    EXPECT_FALSE(k.expired_at(1795600799));
}

TEST(Records, MalformedStoredFormsThrow) {
    EXPECT_THROW(consumer_from_json(json{{"id", "x"}}), json::exception);
    auto k = to_json(key_record{}, true);
    k["created_at"] = "yesterday";
    EXPECT_THROW(key_from_json(k), json::exception);
}

}  // namespace
}  // namespace tollgate::store

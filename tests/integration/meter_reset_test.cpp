// meter lives with the io code (it calls the store), so its test links with the integration
// tests; it opens no socket.
#include "tollgate/proxy/meter.hpp"

#include <gtest/gtest.h>

namespace tollgate::proxy {
namespace {

// meter::reset() goes member by member (for speed); this is the check that it misses none.
// A new member of meter belongs in both halves.
TEST(MeterReset, EveryMemberIsAsInANewMeter) {
    meter m;
    m.active = true;
    m.local = true;
    m.settling = true;
    m.superseded = true;
    m.limits.push_back(config::limit{});
    m.reserved_at = 5;
    m.prompt_estimate = 6;
    static const int some_encoding = 0;
    m.encoding = reinterpret_cast<const tokens::encoding*>(&some_encoding);
    m.prompt_counted = true;
    m.count_source = "upstream";
    m.asked_completion = 7;
    m.clamp = true;
    m.granted_completion = 8;
    m.price = {9, 10};
    m.headers.emplace_back("x-a", std::int64_t{1});
    m.header_views.push_back({"x-a", "1"});
    m.usage.keep_text(100);
    m.usage.on_head(200, "application/json");
    m.usage.on_body(R"({"usage":{"prompt_tokens":1,"completion_tokens":2}})");
    m.usage.on_end(true);
    m.asked_for_usage = true;
    (void)m.usage_chunk.on_body(
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\n");
    ASSERT_TRUE(m.usage_chunk.removed());
    m.settled = {1, 2, 3, 4};

    m.reset();
    const meter fresh;
    EXPECT_EQ(m.active, fresh.active);
    EXPECT_EQ(m.local, fresh.local);
    EXPECT_EQ(m.settling, fresh.settling);
    EXPECT_EQ(m.superseded, fresh.superseded);
    EXPECT_TRUE(m.limits.empty());
    EXPECT_EQ(m.reserved_at, fresh.reserved_at);
    EXPECT_EQ(m.prompt_estimate, fresh.prompt_estimate);
    EXPECT_EQ(m.encoding, fresh.encoding);
    EXPECT_EQ(m.prompt_counted, fresh.prompt_counted);
    EXPECT_EQ(m.count_source, fresh.count_source);
    EXPECT_EQ(m.asked_completion, fresh.asked_completion);
    EXPECT_EQ(m.clamp, fresh.clamp);
    EXPECT_EQ(m.granted_completion, fresh.granted_completion);
    EXPECT_EQ(m.price.input, fresh.price.input);
    EXPECT_EQ(m.price.output, fresh.price.output);
    EXPECT_TRUE(m.headers.empty());
    EXPECT_TRUE(m.header_views.empty());
    EXPECT_FALSE(m.usage.reported().prompt_tokens);
    EXPECT_FALSE(m.usage.ended_complete());
    EXPECT_EQ(m.usage.produced_text_bytes(), 0u);
    EXPECT_EQ(m.asked_for_usage, fresh.asked_for_usage);
    EXPECT_FALSE(m.usage_chunk.removed());
    EXPECT_EQ(m.settled.prompt_tokens, fresh.settled.prompt_tokens);
    EXPECT_EQ(m.settled.completion_tokens, fresh.settled.completion_tokens);
    EXPECT_EQ(m.settled.requests, fresh.settled.requests);
    EXPECT_EQ(m.settled.cost, fresh.settled.cost);
}

}  // namespace
}  // namespace tollgate::proxy

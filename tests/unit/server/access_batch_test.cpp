#include "tollgate/server/access_batch.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::server {
namespace {

access_record record(const char* id) {
    access_record r;
    r.request_id = id;
    r.status = 200;
    r.latency = std::chrono::microseconds(2042);
    return r;
}

// 2026-11-24T10:22:34.000789Z
const auto when =
    std::chrono::system_clock::time_point(std::chrono::microseconds(1795515754000789));

TEST(AccessBatch, TextLinesCarryTheirUtcTime) {
    access_batch b;
    EXPECT_TRUE(b.empty());
    b.add(record("a"), config::log_format::text, when);
    b.add(record("b"), config::log_format::text, when + std::chrono::seconds(1));
    const auto text = b.take();
    EXPECT_TRUE(b.empty());
    EXPECT_EQ(text.find("2026-11-24T10:22:34.000789Z access request_id=a "), 0u) << text;
    EXPECT_NE(text.find("\n2026-11-24T10:22:35.000789Z access request_id=b "), std::string::npos)
        << text;
    EXPECT_NE(text.find(" latency_ms=2.042 "), std::string::npos) << text;
    EXPECT_EQ(text.back(), '\n');
}

TEST(AccessBatch, JsonLinesAreObjectsWithTime) {
    access_batch b;
    b.add(record("a"), config::log_format::json, when);
    b.add(record("b"), config::log_format::json, when);
    const auto text = b.take();
    const auto nl = text.find('\n');
    const auto first = nlohmann::json::parse(text.substr(0, nl));
    const auto second = nlohmann::json::parse(text.substr(nl + 1));
    EXPECT_EQ(first["time"], "2026-11-24T10:22:34.000789Z");
    EXPECT_EQ(first["request_id"], "a");
    EXPECT_EQ(second["request_id"], "b");
}

}  // namespace
}  // namespace tollgate::server

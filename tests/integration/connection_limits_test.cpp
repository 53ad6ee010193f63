// Caps on client connections and the accept loops' behaviour when descriptors run out: the
// real binary, real sockets, a real RLIMIT_NOFILE.
#include "harness.hpp"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace tollgate::testing {
namespace {

const std::string chat = R"({"model":"gpt-4o-mini","messages":[],"max_tokens":2})";

// Opens a connection and waits until the gateway has accepted (and counted) it: a request
// answered on it.
std::unique_ptr<connection> held_connection(std::uint16_t port) {
    auto c = std::make_unique<connection>(port);
    c->send(make_request("POST", "/v1/chat/completions", chat));
    auto r = read_response(*c);
    EXPECT_TRUE(r && r->status == 200);
    return c;
}

void expect_refused(std::uint16_t port) {
    connection c(port);
    c.send(make_request("POST", "/v1/chat/completions", chat));
    auto r = read_response(c);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->header("retry-after"), "1");
    EXPECT_NE(r->body.find("too_many_connections"), std::string::npos) << r->body;
    EXPECT_TRUE(c.closed_by_peer(2s));
}

TEST(ConnectionLimits, PastMaxConnectionsANewConnectionGets503AndIsClosed) {
    stack s("  limits: { max_connections: 3 }\n");
    std::this_thread::sleep_for(200ms);  // the start-up probe's connection has ended
    std::vector<std::unique_ptr<connection>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(held_connection(s.gateway_port()));
    }
    expect_refused(s.gateway_port());
    held.pop_back();  // one leaves: its place is free again once its session ended
    std::this_thread::sleep_for(200ms);
    held.push_back(held_connection(s.gateway_port()));
}

TEST(ConnectionLimits, PastTheCapPerAddressOneClientCannotFillTheTable) {
    stack s("  limits: { max_connections_per_address: 2 }\n");
    std::this_thread::sleep_for(200ms);  // the start-up probe's connection has ended
    auto a = held_connection(s.gateway_port());
    auto b = held_connection(s.gateway_port());
    expect_refused(s.gateway_port());
}

// Out of descriptors: the accept loop pauses (up to 1 s) instead of spinning, logs a line
// at most every 10 s, and serves again as soon as descriptors are free.
TEST(ConnectionLimits, OutOfDescriptorsNeitherSpinsNorFloodsTheLogAndRecovers) {
    if (TG_SANITIZED) {
        // The sanitizers' runtime needs descriptors of its own to check memory (it opens a
        // pipe): without any left it reports false errors and aborts the gateway.
        GTEST_SKIP() << "not meaningful under sanitizers; run by the plain build";
    }
    stack s;
    const std::string config = s.config_path();
    ASSERT_EQ(s.gateway().stop(SIGTERM), 0);
    const std::string log = make_temp_dir() + "/gateway.log";
    process gw({"/bin/sh",
                "-c",
                std::string("ulimit -n 64 && exec ") + TOLLGATE_BIN + " --config " + config},
               log);
    ASSERT_TRUE(wait_for_port(s.gateway_port()));
    std::vector<std::unique_ptr<connection>> flood;
    for (int i = 0; i < 100; ++i) {
        flood.push_back(std::make_unique<connection>(s.gateway_port()));
    }
    std::this_thread::sleep_for(1500ms);
    const std::string during = gw.log();
    std::size_t lines = 0;
    for (std::size_t at = during.find("accept failed"); at != std::string::npos;
         at = during.find("accept failed", at + 1)) {
        ++lines;
    }
    EXPECT_GE(lines, 1u) << during;  // it did run out
    EXPECT_LE(lines, 2u) << during;
    flood.clear();
    std::optional<response> r;
    for (int i = 0; i < 40 && !(r && r->status == 200); ++i) {
        std::this_thread::sleep_for(100ms);
        r = request(s.gateway_port(), "POST", "/v1/chat/completions", chat);
    }
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(gw.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace tollgate::testing

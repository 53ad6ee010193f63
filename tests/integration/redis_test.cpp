// Two gateway instances sharing one real redis-server: a key revoked through one instance is
// refused by the other within a second; a Redis outage answers 503 and heals by itself.
#include "harness.hpp"

#include <algorithm>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

const std::string chat = R"({"model":"gpt-4o-mini","messages":[],"max_tokens":2})";

std::string redis_store(const redis_server& r) {
    return "store: { kind: redis, url: \"" + r.url(1) +
           "\", command_timeout: 500ms, reconnect_max: 200ms }\n";
}

int chat_status(std::uint16_t port, const std::string& key) {
    auto r = request(port, "POST", "/v1/chat/completions", chat, {"Authorization: Bearer " + key});
    return r ? r->status : 0;
}

// Polls `port` until `key` gets `status`; how long that took.
std::optional<std::chrono::milliseconds> time_until(std::uint16_t port,
                                                    const std::string& key,
                                                    int status,
                                                    clock_type::time_point since) {
    while (clock_type::now() - since < std::chrono::seconds(5)) {
        if (chat_status(port, key) == status) {
            return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - since);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return std::nullopt;
}

TEST(Redis, RevocationReachesTheOtherInstanceWithinASecond) {
    redis_server redis;
    stack a("", "", "", redis_store(redis));
    stack b("", "", "", redis_store(redis));
    a.admin("POST", "/v1/consumers", R"({"id":"shared"})");
    for (int round = 0; round < 5; ++round) {
        const auto m = json::parse(a.admin("POST", "/v1/consumers/shared/keys", "{}")->body);
        const std::string key = m["key"];
        ASSERT_EQ(chat_status(b.gateway_port(), key), 200) << "minted on A, usable on B";
        ASSERT_EQ(chat_status(b.gateway_port(), key), 200);  // warm in B's cache
        const auto revoked_at = clock_type::now();
        ASSERT_EQ(a.admin("DELETE", "/v1/keys/" + m["id"].get<std::string>())->status, 204);
        const auto took = time_until(b.gateway_port(), key, 401, revoked_at);
        ASSERT_TRUE(took) << "B still accepts a revoked key after 5s";
        EXPECT_LT(took->count(), 1000);
    }
    // Disabling a consumer reaches B too.
    const auto m = json::parse(a.admin("POST", "/v1/consumers/shared/keys", "{}")->body);
    ASSERT_EQ(chat_status(b.gateway_port(), m["key"]), 200);
    a.admin("PATCH", "/v1/consumers/shared", R"({"disabled":true})");
    const auto took = time_until(b.gateway_port(), m["key"], 403, clock_type::now());
    ASSERT_TRUE(took);
    EXPECT_LT(took->count(), 1000);
}

TEST(Redis, AnOutageIs503AndHealsWhenRedisReturns) {
    redis_server redis;
    stack s("", "", "", redis_store(redis));
    s.admin("POST", "/v1/consumers", R"({"id":"outage"})");
    const std::string warm =
        json::parse(s.admin("POST", "/v1/consumers/outage/keys", "{}")->body)["key"];
    const std::string cold =
        json::parse(s.admin("POST", "/v1/consumers/outage/keys", "{}")->body)["key"];
    ASSERT_EQ(chat_status(s.gateway_port(), warm), 200);

    redis.kill();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto ready = s.admin("GET", "/readyz");
    EXPECT_EQ(ready->status, 503);
    auto create = s.admin("POST", "/v1/consumers", R"({"id":"during"})");
    EXPECT_EQ(create->status, 503);
    EXPECT_NE(create->body.find("store_unavailable"), std::string::npos);
    EXPECT_EQ(chat_status(s.gateway_port(), cold), 503) << "fail_closed: unknown here, store down";
    EXPECT_EQ(chat_status(s.gateway_port(), warm), 200) << "a cached key keeps working";
    EXPECT_EQ(s.admin("GET", "/healthz")->status, 200) << "the process keeps running";

    redis.restart();  // empty: no persistence in tests
    bool healed = false;
    for (int i = 0; i < 100 && !healed; ++i) {
        healed = s.admin("GET", "/readyz")->status == 200;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(healed);
    EXPECT_EQ(s.admin("POST", "/v1/consumers", R"({"id":"after"})")->status, 201);
}

}  // namespace
}  // namespace tollgate::testing

namespace tollgate::testing {
namespace {

// rediss:// with a password and a db, against redis-server's own TLS port and a CA file;
// the same server with the system trust store instead is refused (certificate verification).
TEST(Redis, TlsWithPasswordAndDatabase) {
    const std::string dir = make_temp_dir();
    const int made =
        std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
                     "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
                     dir + "/key.pem -out " + dir + "/cert.pem >/dev/null 2>&1")
                        .c_str());
    ASSERT_EQ(made, 0);
    const auto port = free_port();
    process redis({"redis-server",
                   "--port",
                   "0",
                   "--tls-port",
                   std::to_string(port),
                   "--bind",
                   "127.0.0.1",
                   "--tls-cert-file",
                   dir + "/cert.pem",
                   "--tls-key-file",
                   dir + "/key.pem",
                   "--tls-ca-cert-file",
                   dir + "/cert.pem",
                   "--tls-auth-clients",
                   "no",
                   "--requirepass",
                   "s3cret",
                   "--save",
                   "",
                   "--appendonly",
                   "no",
                   "--dir",
                   dir},
                  dir + "/redis.log");
    ASSERT_TRUE(wait_for_port(port)) << redis.log();
    const std::string url = "rediss://:s3cret@localhost:" + std::to_string(port) + "/3";
    stack s("",
            "",
            "",
            "store: { kind: redis, url: \"" + url + "\", ca_file: " + dir + "/cert.pem }\n");
    ASSERT_EQ(s.admin("POST", "/v1/consumers", R"({"id":"tls"})")->status, 201);
    const auto m = json::parse(s.admin("POST", "/v1/consumers/tls/keys", "{}")->body);
    EXPECT_EQ(chat_status(s.gateway_port(), m["key"]), 200);

    // Without the CA the handshake fails: the store stays unavailable, the process runs.
    stack untrusted("", "", "", "store: { kind: redis, url: \"" + url + "\" }\n", false);
    EXPECT_EQ(untrusted.admin("GET", "/readyz")->status, 503);
    // The refusal is logged once the handshake has failed (slower under sanitizers).
    bool told = false;
    for (int i = 0; i < 200 && !told; ++i) {
        told = untrusted.gateway().log().find("certificate") != std::string::npos;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    EXPECT_TRUE(told) << untrusted.gateway().log();
}

}  // namespace
}  // namespace tollgate::testing

namespace tollgate::testing {
namespace {

TEST(Redis, FailOpenForwardsUnattributedWhileTheStoreIsDown) {
    redis_server redis;
    stack s("",
            "",
            "",
            "store: { kind: redis, url: \"" + redis.url(1) +
                "\", on_error: fail_open, command_timeout: 300ms }\n");
    s.admin("POST", "/v1/consumers", R"({"id":"open"})");
    const std::string key =
        json::parse(s.admin("POST", "/v1/consumers/open/keys", "{}")->body)["key"];
    redis.kill();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(chat_status(s.gateway_port(), key), 200);
    const auto seen = json::parse(s.mock_stats())["last_headers"].dump();
    EXPECT_EQ(seen.find("\"open\""), std::string::npos) << "no X-Consumer-ID: unverified";
    std::string forged = key;
    forged.back() = forged.back() == 'a' ? 'b' : 'a';
    EXPECT_EQ(chat_status(s.gateway_port(), forged), 401) << "the checksum still guards";
}

}  // namespace
}  // namespace tollgate::testing

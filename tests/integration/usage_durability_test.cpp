// The memory store's usage survives the process (store.path + ".usage"): a clean restart
// keeps it exactly; after kill -9 every settlement older than a group commit is there and
// reservations open at the crash are charged in full, never twice; compaction keeps the file
// bounded. Against the real binary, killed for real.
#include "harness.hpp"

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr int max_tokens = 20;

class UsageDurability : public ::testing::Test {
protected:
    void start(const std::string& store_extra = "") {
        dir_ = make_temp_dir();
        s_.emplace("",
                   "",
                   "",
                   "pricing:\n  \"gpt-*\": { input: 0.15, output: 0.60 }\n"
                   "plans:\n  p: { limits: [ { window: day, tokens: 100000000 }, "
                   "{ window: month, cost_usd: 1000 }, { window: day, requests: 100000000 } ] }\n"
                   "default_plan: p\n"
                   "store: { kind: memory, path: " +
                       dir_ + "/journal" + store_extra + " }\n");
        s_->admin("POST", "/v1/consumers", R"({"id":"a"})");
        key_ = json::parse(s_->admin("POST", "/v1/consumers/a/keys", "{}")->body)["key"];
    }
    std::optional<response> chat(bool stream = false, int delay_ms = 0) {
        // Fewer tokens than reserved: a settlement that went missing would show (its
        // reservation would be charged in full instead).
        std::vector<std::string> headers{"Authorization: Bearer " + key_, "x-mock-tokens: 7"};
        if (delay_ms > 0) {
            headers.push_back("x-mock-chunk-delay-ms: " + std::to_string(delay_ms));
        }
        return request(s_->gateway_port(),
                       "POST",
                       "/v1/chat/completions",
                       std::string(R"({"model":"gpt-4o-mini","messages":[{"role":"user",)") +
                           R"("content":"a few words to count"}],"max_tokens":)" +
                           std::to_string(max_tokens) + (stream ? R"(,"stream":true})" : "}"),
                       headers);
    }
    json windows() {
        auto r = s_->admin("GET", "/v1/consumers/a/usage");
        return r && r->status == 200 ? json::parse(r->body)["windows"] : json::array();
    }
    std::string dir_;
    std::optional<stack> s_;
    std::string key_;
};

TEST_F(UsageDurability, ACleanRestartKeepsUsageExactly) {
    start();
    for (int i = 0; i < 5; ++i) {
        ASSERT_EQ(chat(i % 2 == 1)->status, 200);
    }
    const json before = windows();
    ASSERT_GT(before[0]["used"].get<long>(), 5 * 7);
    ASSERT_EQ(before[2]["used"].get<long>(), 5);
    s_->restart_gateway();
    EXPECT_EQ(windows(), before);
}

TEST_F(UsageDurability, KillNineKeepsWhatWasCommitted) {
    start();
    for (int i = 0; i < 8; ++i) {
        ASSERT_EQ(chat()->status, 200);
    }
    const json before = windows();
    std::this_thread::sleep_for(100ms);  // ten group commits
    s_->restart_gateway(SIGKILL);
    EXPECT_EQ(windows(), before);
    EXPECT_EQ(s_->gateway().log().find("charged in full"), std::string::npos);
}

TEST_F(UsageDurability, KillNineUnderLoadLosesNoCommittedSettlementAndCountsNothingTwice) {
    start();
    // Four clients: quick answers, and streams slow enough to be open at the kill.
    std::atomic<bool> stop{false};
    std::atomic<long> started{0};
    std::atomic<long> answered{0};  // whole 200 answers the clients received
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&, c] {
            while (!stop) {
                ++started;
                try {
                    const auto r = chat(c >= 2, c >= 2 ? 40 : 0);
                    answered += r && r->status == 200 ? 1 : 0;
                } catch (const std::exception&) {
                    std::this_thread::sleep_for(5ms);  // the gateway is down: killed
                }
            }
        });
    }
    std::this_thread::sleep_for(600ms);
    const json seen = windows();  // settled by now; committed within a commit interval
    const long started_at_seen = started;
    std::this_thread::sleep_for(100ms);
    s_->gateway().stop(SIGKILL);
    stop = true;
    for (auto& t : clients) {
        t.join();
    }
    const long total_started = started;
    s_->restart_gateway(SIGKILL);  // already dead: starts it again
    const json after = windows();
    ASSERT_FALSE(after.empty());
    // Nothing acknowledged before the last commits is missing ...
    EXPECT_GE(after[0]["used"].get<long>(), seen[0]["used"].get<long>());
    EXPECT_GE(after[2]["used"].get<long>(), seen[2]["used"].get<long>());
    EXPECT_EQ(after[0]["reserved"].get<long>(), 0);
    // ... and nothing is counted twice: at most every request ever started, each at the most
    // it could have cost (what was used and held when seen, plus the later ones in full).
    const long per_request_max = 64 + max_tokens;
    EXPECT_LE(after[0]["used"].get<long>(),
              seen[0]["used"].get<long>() + seen[0]["reserved"].get<long>() +
                  (total_started - started_at_seen) * per_request_max);
    EXPECT_LE(after[2]["used"].get<long>(), total_started);
    EXPECT_GT(after[2]["used"].get<long>(), seen[2]["used"].get<long>());  // the load went on
    const long counted = after[2]["used"].get<long>();
    std::cout << "kill -9 under load: " << total_started << " requests started, " << answered
              << " answered whole, " << counted << " counted after the restart (" << seen[2]["used"]
              << " settled 100 ms before the kill); answered but not counted: "
              << std::max(0L, answered - counted) << "\n"
              << "restart log: " << s_->gateway().log() << "\n";
}

TEST_F(UsageDurability, CompactionKeepsTheFileBounded) {
    start(", usage_compact_bytes: 64KiB, usage_commit_interval: 5ms");
    const std::string log = dir_ + "/journal.usage";
    std::uintmax_t largest = 0;
    for (int i = 0; i < 400; ++i) {
        ASSERT_EQ(chat()->status, 200);
        largest = std::max(largest, std::filesystem::file_size(log));
    }
    const json before = windows();
    EXPECT_EQ(before[2]["used"].get<long>(), 400);
    // ~250 bytes a request: 100 KB unbounded. A snapshot of one consumer is a few lines.
    EXPECT_LT(largest, 64u * 1024 + 16 * 1024);
    s_->restart_gateway();
    EXPECT_EQ(windows(), before);
    EXPECT_LT(std::filesystem::file_size(log), 4096u);
}

}  // namespace
}  // namespace tollgate::testing

// Usage an upstream reports that no request can have: the real binary, metered, in front of a
// scripted upstream that answers with hostile usage objects. A number that is no count is
// replaced by the gateway's own count and flagged; a completion above what was granted is
// charged at quota.max_usage_ratio times the grant, and flagged.
#include "harness.hpp"
#include "scripted_upstream.hpp"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

using json = nlohmann::json;

// Answers the requests of every connection in turn with the next usage object of `usages`
// (the text of the `usage` member; empty: no usage member at all), keeping connections alive.
class usage_upstream {
public:
    explicit usage_upstream(std::vector<std::string> usages)
        : usages_(std::move(usages)), up_([this](int c) { serve(c); }) {}
    std::uint16_t port() const { return up_.port(); }

private:
    void serve(int c) {
        std::string pending;
        while (scripted_upstream::read_request(c, pending)) {
            const std::size_t i = next_++;
            const std::string& usage = usages_.at(std::min(i, usages_.size() - 1));
            std::string body =
                R"({"id":"x","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,)"
                R"("finish_reason":"stop","message":{"role":"assistant","content":)"
                R"("The quick brown fox jumps over the lazy dog."}}])";
            body += usage.empty() ? "}" : ",\"usage\":" + usage + "}";
            const std::string head =
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                "Content-Length: " +
                std::to_string(body.size()) + "\r\n\r\n";
            if (!scripted_upstream::send_all(c, head + body)) {
                return;
            }
        }
    }

    std::vector<std::string> usages_;
    std::atomic<std::size_t> next_{0};
    scripted_upstream up_;  // last: its thread starts once the rest exists
};

struct settled {
    long prompt = -1;
    long completion = -1;
    std::string count;
    std::string flag;
};

// The metering figures of each access line of `log`, in order.
std::vector<settled> settlements(const std::string& log) {
    std::vector<settled> out;
    for (std::size_t at = log.find(" access "); at != std::string::npos;
         at = log.find(" access ", at + 1)) {
        const std::string line = log.substr(at, log.find('\n', at) - at);
        const auto field = [&](const std::string& key) -> std::string {
            const auto k = line.find(" " + key + "=");
            if (k == std::string::npos) {
                return "";
            }
            const auto v = k + key.size() + 2;
            return line.substr(v, line.find(' ', v) - v);
        };
        if (field("prompt_tokens").empty()) {
            continue;  // not metered
        }
        out.push_back({std::stol(field("prompt_tokens")),
                       std::stol(field("completion_tokens")),
                       field("token_count"),
                       field("usage_flag")});
    }
    return out;
}

TEST(HostileUsage, NoCountIsCountedLocallyAndTooMuchIsClampedBothFlagged) {
    const std::vector<std::string> usages = {
        "",                                                                 // none: the local count
        R"({"prompt_tokens":12,"completion_tokens":-5})",                   // negative
        R"({"prompt_tokens":12,"completion_tokens":"10"})",                 // a string
        R"({"prompt_tokens":12,"completion_tokens":1e400})",                // past a double
        R"({"prompt_tokens":12,"completion_tokens":9223372036854775807})",  // 2^63 - 1
        R"({"prompt_tokens":12,"completion_tokens":2.5})",                  // fractional
        R"({"prompt_tokens":12,"completion_tokens":1000000})",  // far above max_tokens 10
        R"({"prompt_tokens":12,"completion_tokens":9})",        // honest
    };
    usage_upstream up(usages);
    stack s("",
            "",
            "  - name: hostile\n    url: http://127.0.0.1:" + std::to_string(up.port()) +
                "\n    models: [\"hostile-*\"]\n",
            "plans:\n  roomy: { limits: [ { window: day, tokens: 1000000 } ] }\n"
            "default_plan: roomy\n"
            "tokenizer: { models: [ { match: \"hostile-*\", encoding: o200k_base } ] }\n");
    s.admin("POST", "/v1/consumers", R"({"id":"h"})");
    const std::string key = json::parse(s.admin("POST", "/v1/consumers/h/keys", "{}")->body)["key"];
    for (std::size_t i = 0; i < usages.size(); ++i) {
        auto r = request(s.gateway_port(),
                         "POST",
                         "/v1/chat/completions",
                         R"({"model":"hostile-1","messages":[{"role":"user","content":"hi"}],)"
                         R"("max_tokens":10})",
                         {"Authorization: Bearer " + key});
        ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    }
    std::vector<settled> got;
    for (int i = 0; i < 100 && got.size() < usages.size(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // access lines are batched
        got = settlements(s.gateway().log());
    }
    ASSERT_EQ(got.size(), usages.size()) << s.gateway().log();
    // The workers write their access lines apart, so the lines are matched by kind, not order.
    const auto unflagged_local = std::find_if(got.begin(), got.end(), [](const settled& g) {
        return g.flag.empty() && g.count == "local";
    });
    ASSERT_NE(unflagged_local, got.end());
    const long local = unflagged_local->completion;  // the answer's text, counted by the gateway
    EXPECT_GT(local, 5);
    EXPECT_LT(local, 20);
    int invalid = 0, clamped = 0, honest = 0;
    for (const auto& g : got) {
        if (g.flag == "invalid") {
            ++invalid;
            EXPECT_EQ(g.completion, local);
            EXPECT_EQ(g.prompt, 12);
            EXPECT_EQ(g.count, "local");
        } else if (g.flag == "clamped") {
            ++clamped;
            EXPECT_EQ(g.completion, 10 * 3 / 2 + 16);  // max_usage_ratio 1.5 x granted + 16
            EXPECT_EQ(g.count, "upstream");
        } else if (g.count == "upstream") {
            ++honest;
            EXPECT_EQ(g.completion, 9);
        }
    }
    EXPECT_EQ(invalid, 5);
    EXPECT_EQ(clamped, 1);
    EXPECT_EQ(honest, 1);
    // What the ledger holds is what the access lines say.
    long total = 0;
    for (const auto& g : got) {
        total += g.prompt + g.completion;
    }
    const auto u = json::parse(s.admin("GET", "/v1/consumers/h/usage")->body);
    EXPECT_EQ(u["windows"][0]["used"].get<long>(), total) << u.dump();
}

}  // namespace
}  // namespace tollgate::testing

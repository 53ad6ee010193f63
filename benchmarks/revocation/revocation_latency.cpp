// Revocation latency across two gateway instances sharing one Redis: mint a key through A,
// warm it in B's cache, revoke it through A, and time until B refuses it (401). Starts its
// own redis-server, mock backend and two gateways on free loopback ports (the integration
// harness), polls B over one keep-alive connection, and prints p50/p99/max.
//
//   build/benchmarks/revocation_latency [rounds]
#include "harness.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <nlohmann/json.hpp>

using namespace tollgate::testing;
using clock_type = std::chrono::steady_clock;

namespace {

const std::string chat = R"({"model":"gpt-4o-mini","messages":[],"max_tokens":1})";

int status_on(connection& c, const std::string& key) {
    c.send(make_request("POST", "/v1/chat/completions", chat, {"Authorization: Bearer " + key}));
    auto r = read_response(c);
    return r ? r->status : 0;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 200;
    redis_server redis;
    const std::string store = "store: { kind: redis, url: \"" + redis.url(1) + "\" }\n";
    stack a("", "", "", store);
    stack b("", "", "", store);
    a.admin("POST", "/v1/consumers", R"({"id":"bench"})");
    connection to_b(b.gateway_port());
    std::vector<double> after_ack;   // ms from the DELETE's 204 to B's first 401
    std::vector<double> after_send;  // ms from sending the DELETE
    for (int i = 0; i < rounds; ++i) {
        const auto m =
            nlohmann::json::parse(a.admin("POST", "/v1/consumers/bench/keys", "{}")->body);
        const std::string key = m["key"];
        if (status_on(to_b, key) != 200 || status_on(to_b, key) != 200) {
            std::fprintf(stderr, "round %d: B did not accept a fresh key\n", i);
            return 1;
        }
        const auto sent = clock_type::now();
        if (a.admin("DELETE", "/v1/keys/" + m["id"].get<std::string>())->status != 204) {
            std::fprintf(stderr, "round %d: revoke failed\n", i);
            return 1;
        }
        const auto acked = clock_type::now();
        while (status_on(to_b, key) != 401) {
            if (clock_type::now() - sent > std::chrono::seconds(5)) {
                std::fprintf(stderr, "round %d: B still accepts after 5 s\n", i);
                return 1;
            }
        }
        const auto refused = clock_type::now();
        after_ack.push_back(std::chrono::duration<double, std::milli>(refused - acked).count());
        after_send.push_back(std::chrono::duration<double, std::milli>(refused - sent).count());
    }
    std::printf("revocation latency across two instances on one Redis, %d rounds\n", rounds);
    std::printf("  from the revoke's answer: p50 %.3f ms  p99 %.3f ms  max %.3f ms\n",
                percentile(after_ack, 0.50),
                percentile(after_ack, 0.99),
                percentile(after_ack, 1.0));
    std::printf("  from sending the revoke:  p50 %.3f ms  p99 %.3f ms  max %.3f ms\n",
                percentile(after_send, 0.50),
                percentile(after_send, 0.99),
                percentile(after_send, 1.0));
    return 0;
}

// Request-body scan throughput: scan_request_body (validation, depth bound, model, stream,
// max_tokens, n, include_usage, prompt size; one pass, no allocation) on chat bodies of
// growing size, against nlohmann::json::parse of the same text for reference.
//
//   build/benchmarks/request_scan
#include "tollgate/proxy/request_body.hpp"

#include <chrono>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace {

// A chat request of about `bytes`: many messages of English with some escapes and UTF-8.
std::string chat_body(std::size_t bytes) {
    const std::string sentence =
        "The gateway meters every token \\\"exactly\\\" \\u2014 caf\xc3\xa9, na\xc3\xafve, "
        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \\n and then some more plain words to read. ";
    std::string body = R"({"model":"gpt-4o-mini","stream":true,"max_tokens":256,"messages":[)";
    bool first = true;
    while (body.size() < bytes) {
        body += first ? "" : ",";
        first = false;
        body += R"({"role":"user","content":")";
        for (int i = 0; i < 20; ++i) {
            body += sentence;
        }
        body += "\"}";
    }
    return body + "]}";
}

template <class F>
double gb_per_s(const std::string& body, F&& f) {
    using clock = std::chrono::steady_clock;
    std::size_t rounds = 0;
    const auto start = clock::now();
    auto elapsed = clock::duration{};
    do {
        f(body);
        ++rounds;
        elapsed = clock::now() - start;
    } while (elapsed < std::chrono::milliseconds(700));
    const double seconds = std::chrono::duration<double>(elapsed).count();
    return static_cast<double>(body.size()) * static_cast<double>(rounds) / seconds / 1e9;
}

}  // namespace

int main() {
    std::printf("%10s %22s %22s\n", "body", "scan_request_body GB/s", "nlohmann::parse GB/s");
    for (std::size_t size : {1'000u, 10'000u, 100'000u, 1'000'000u, 10'000'000u}) {
        const std::string body = chat_body(size);
        std::size_t sink = 0;
        const double scan = gb_per_s(body, [&sink](const std::string& b) {
            auto r = tollgate::proxy::scan_request_body(b, 64);
            sink += r ? r->prompt_bytes : 0;
        });
        const double dom = gb_per_s(
            body, [&sink](const std::string& b) { sink += nlohmann::json::parse(b).size(); });
        std::printf("%10zu %22.2f %22.2f\n", body.size(), scan, dom);
        if (sink == 0) {
            return 1;
        }
    }
    return 0;
}

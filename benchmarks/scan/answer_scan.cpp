// Answer read throughput: usage_tap over a JSON chat completion as the mock backend answers it
// (381 bytes) and with ever longer content, fed in one piece, as the proxy hands it over.
// Prints ns per answer and GB/s. The tap skims the answer for its top-level members (usage,
// choices) and reads only those.
//
//   build/benchmarks/answer_scan [content bytes]   (default: 120, 4000, 64000, 1000000)
#include "tollgate/metering/usage_tap.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// An OpenAI chat completion whose content is about `content_bytes` of plain words, with an
// escaped quote now and then, in the member order OpenAI and the mock use (usage last).
std::string answer(std::size_t content_bytes) {
    std::string content = " the and for are was not you all can had";
    while (content.size() < content_bytes) {
        content += " the gateway said \\\"hello\\\" and counted every token of it";
    }
    return R"({"choices":[{"finish_reason":"stop","index":0,"message":{"content":")" + content +
           R"(","role":"assistant"}}],"created":1700000000,"id":"chatcmpl-mock",)"
           R"("model":"gpt-4o-mini","object":"chat.completion",)"
           R"("usage":{"completion_tokens":32,"prompt_tokens":14,"total_tokens":46}})";
}

}  // namespace

int main(int argc, char** argv) {
    using clock = std::chrono::steady_clock;
    std::vector<std::size_t> sizes{120, 4'000, 64'000, 1'000'000};
    if (argc > 1) {
        sizes = {static_cast<std::size_t>(std::strtoull(argv[1], nullptr, 10))};
    }
    std::printf("%10s %14s %10s\n", "answer", "ns/answer", "GB/s");
    for (const std::size_t size : sizes) {
        const std::string body = answer(size);
        tollgate::metering::usage_tap tap;
        std::size_t rounds = 0;
        std::int64_t sink = 0;
        const auto start = clock::now();
        auto elapsed = clock::duration{};
        do {
            tap.reset();
            tap.on_head(200, "application/json");
            tap.on_body(body);
            tap.on_end(true);
            sink += tap.reported().completion_tokens.value_or(0);
            ++rounds;
            elapsed = clock::now() - start;
        } while (elapsed < std::chrono::milliseconds(700));
        if (sink == 0) {
            return 1;  // the usage was not found: the benchmark measures nothing
        }
        const double seconds = std::chrono::duration<double>(elapsed).count();
        std::printf("%10zu %14.0f %10.2f\n",
                    body.size(),
                    seconds * 1e9 / static_cast<double>(rounds),
                    static_cast<double>(body.size()) * static_cast<double>(rounds) / seconds / 1e9);
    }
    return 0;
}

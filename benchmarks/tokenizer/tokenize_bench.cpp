// Tokenizer throughput, single thread: MB/s per corpus file and encoding (best of --runs),
// the pathological inputs (1 MB of one letter, spaces, newlines, punctuation; 40 KB of CJK
// without spaces), vocabulary load time and memory, and what a count costs when the worker's
// count cache already holds the text (a resent system prompt or history). Usage:
//   tokenize_bench CORPUS_DIR [--runs N]    (CORPUS_DIR from make_corpus.sh)
#include "tollgate/metering/count_cache.hpp"
#include "tollgate/tokens/builtin.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
using tollgate::tokens::encoding;

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Best MB/s over `runs` (the least disturbed run), and the token count.
double throughput(const encoding& enc, const std::string& text, int runs, std::size_t& tokens) {
    double best = 1e30;
    for (int i = 0; i < runs; ++i) {
        const auto t0 = clock_type::now();
        tokens = enc.count(text);
        best = std::min(best, seconds_since(t0));
    }
    return static_cast<double>(text.size()) / 1e6 / best;
}

std::string repeat(std::string_view unit, std::size_t bytes) {
    std::string s;
    s.reserve(bytes + unit.size());
    while (s.size() < bytes)
        s += unit;
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: tokenize_bench CORPUS_DIR [--runs N]\n");
        return 2;
    }
    const std::string dir = argv[1];
    int runs = 5;
    if (argc >= 4 && std::string(argv[2]) == "--runs")
        runs = std::stoi(argv[3]);

    std::vector<std::shared_ptr<const encoding>> encodings;
    for (const char* name : {"cl100k_base", "o200k_base"}) {
        std::string error;
        const auto t0 = clock_type::now();
        auto enc = tollgate::tokens::load_builtin(name, error);
        const double ms = seconds_since(t0) * 1e3;
        if (!enc) {
            std::fprintf(stderr, "%s\n", error.c_str());
            return 1;
        }
        std::printf("load %-12s %7.1f ms  %6.2f MiB  %zu tokens\n",
                    name,
                    ms,
                    static_cast<double>(enc->vocab().memory_bytes()) / (1 << 20),
                    enc->vocab().size());
        encodings.push_back(std::move(enc));
    }

    std::printf("\n%-12s %-12s %10s %10s\n", "input", "encoding", "MB/s", "tokens");
    for (const char* file : {"mixed", "prose", "code", "json", "scripts", "varied"}) {
        const std::string text = read_file(dir + "/" + file + ".txt");
        if (text.empty()) {
            std::fprintf(stderr, "no %s/%s.txt (run make_corpus.sh)\n", dir.c_str(), file);
            return 1;
        }
        for (const auto& enc : encodings) {
            std::size_t tokens = 0;
            const double mbs = throughput(*enc, text, runs, tokens);
            std::printf("%-12s %-12s %10.1f %10zu\n", file, enc->name().c_str(), mbs, tokens);
        }
    }

    const std::vector<std::pair<const char*, std::string>> worst = {
        {"1MB_letter", std::string(1 << 20, 'a')},
        {"1MB_spaces", std::string(1 << 20, ' ')},
        {"1MB_newline", std::string(1 << 20, '\n')},
        {"1MB_punct", std::string(1 << 20, '!')},
        {"1MB_punct2", repeat("!?.,;:", 1 << 20)},
        {"1MB_digits", std::string(1 << 20, '7')},
        {"40KB_cjk", repeat("\xe6\xb1\x89\xe5\xad\x97\xe7\x9a\x84", 40 * 1024)},
    };
    for (const auto& [name, text] : worst) {
        for (const auto& enc : encodings) {
            std::size_t tokens = 0;
            const double mbs = throughput(*enc, text, std::min(runs, 3), tokens);
            std::printf("%-12s %-12s %10.1f %10zu\n", name, enc->name().c_str(), mbs, tokens);
        }
    }

    // A text seen before: the count cache hashes it instead of tokenizing it.
    const std::string mixed = read_file(dir + "/mixed.txt");
    const auto& enc = *encodings.back();
    std::printf("\n%-22s %14s %14s\n", "count cache, o200k", "tokenize us", "cache hit us");
    for (const std::size_t bytes : {32, 1024, 20 * 1024}) {
        const std::string text = mixed.substr(0, std::min(bytes, mixed.size()));
        tollgate::metering::count_cache cache(1024);
        const auto mode = tollgate::tokens::special_tokens::text;
        const int reps = bytes < 1024 ? 200000 : bytes < 8192 ? 20000 : 1000;
        double tokenize = 1e30;
        double hit = 1e30;
        std::size_t sink = cache.count(enc, mode, text);
        for (int r = 0; r < runs; ++r) {
            auto t0 = clock_type::now();
            for (int i = 0; i < reps; ++i) {
                sink += enc.count(text, mode);
            }
            tokenize = std::min(tokenize, seconds_since(t0) / reps);
            t0 = clock_type::now();
            for (int i = 0; i < reps; ++i) {
                sink += cache.count(enc, mode, text);
            }
            hit = std::min(hit, seconds_since(t0) / reps);
        }
        std::printf("%-22s %14.3f %14.3f%s\n",
                    (std::to_string(text.size()) + " bytes").c_str(),
                    tokenize * 1e6,
                    hit * 1e6,
                    sink == 0 ? " (no tokens?)" : "");
    }
    return 0;
}

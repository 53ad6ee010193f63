// Our request head parser against Beast's basic_parser (fuzz/http_differential.hpp), in the
// normal test run: over the committed fuzz corpora, the smuggling vectors, and a few
// thousand deterministic mutations of typical heads. Where both accept they must agree; a
// head only one of them accepts must be one Beast accepts (ours is the stricter).
#include "fuzz/http_differential.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include <gtest/gtest.h>

namespace tollgate::fuzz {
namespace {

void expect_agreement(std::string_view head, const std::string& what) {
    const auto v = compare_with_beast(head);
    EXPECT_EQ(v.disagreement, "") << what;
    EXPECT_TRUE(!v.ours || v.beast) << "we accept what Beast refuses: " << what;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(RequestHeadBeast, AgreeOnTheCommittedCorpora) {
    const std::filesystem::path root = std::filesystem::path(TG_SOURCE_DIR) / "fuzz" / "corpus";
    std::size_t n = 0;
    for (const char* target : {"http_differential", "request_head"}) {
        for (const auto& entry : std::filesystem::directory_iterator(root / target)) {
            std::string bytes = read_file(entry.path());
            if (std::string_view(target) == "request_head" && !bytes.empty()) {
                bytes.erase(0, 1);  // that target's first byte chooses its cuts
            }
            expect_agreement(bytes, entry.path().string());
            ++n;
        }
    }
    EXPECT_GT(n, 10u);
}

TEST(RequestHeadBeast, AgreeOnMutationsOfTypicalHeads) {
    const std::string typical[] = {
        "POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer tg_x\r\n"
        "Content-Type: application/json\r\nContent-Length: 42\r\n\r\n",
        "POST /v1/messages HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n"
        "Connection: keep-alive, Upgrade\r\n\r\n",
        "GET /v1/models?x=1 HTTP/1.0\r\nConnection: keep-alive\r\nX-A:  v  \r\n\r\n",
    };
    const std::string alphabet = " \t\r\n:;,=\"\\/aZ09-_~\x7f\x80\xff\x00";
    std::mt19937 rng(20261202);
    for (int round = 0; round < 100000; ++round) {
        std::string m = typical[rng() % 3];
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = rng() % m.size();
            const char c = alphabet[rng() % alphabet.size()];
            switch (rng() % 3) {
                case 0:
                    m[at] = c;
                    break;
                case 1:
                    m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), c);
                    break;
                default:
                    m.erase(at, 1);
                    break;
            }
        }
        expect_agreement(m, ::testing::PrintToString(m));
        if (::testing::Test::HasFailure()) {
            return;
        }
    }
}

}  // namespace
}  // namespace tollgate::fuzz

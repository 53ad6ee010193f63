// Framing that could smuggle a request is refused with 400 and the connection closed, and no
// request reaches the upstream.
#include "harness.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

class Smuggling : public ::testing::TestWithParam<std::pair<const char*, std::string>> {
protected:
    static void SetUpTestSuite() {
        stack_ = new stack("  limits:\n    max_chunk_line_bytes: 256\n");
    }
    static void TearDownTestSuite() {
        delete stack_;
        stack_ = nullptr;
    }
    static stack* stack_;
};
stack* Smuggling::stack_ = nullptr;

const std::string body = R"({"model":"gpt-4o"})";
const std::string post = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n";
const std::string chunked_body = "12\r\n" + body + "\r\n0\r\n\r\n";
const std::string cl = "Content-Length: " + std::to_string(body.size()) + "\r\n";

TEST_P(Smuggling, RefusedWith400AndClosed) {
    const auto requests_before = nlohmann::json::parse(stack_->mock_stats())["requests"].get<int>();
    connection c(stack_->gateway_port());
    c.send(GetParam().second);
    auto r = read_response(c);
    ASSERT_TRUE(r) << GetParam().first;
    EXPECT_EQ(r->status, 400) << GetParam().first;
    EXPECT_EQ(nlohmann::json::parse(r->body)["error"]["code"], "invalid_request");
    EXPECT_TRUE(c.closed_by_peer()) << GetParam().first;
    EXPECT_EQ(nlohmann::json::parse(stack_->mock_stats())["requests"].get<int>(), requests_before);
}

INSTANTIATE_TEST_SUITE_P(
    Vectors,
    Smuggling,
    ::testing::Values(
        std::pair{"CL.TE", post + cl + "Transfer-Encoding: chunked\r\n\r\n" + chunked_body},
        std::pair{"TE.CL", post + "Transfer-Encoding: chunked\r\n" + cl + "\r\n" + chunked_body},
        std::pair{"TE not ending in chunked",
                  post + "Transfer-Encoding: chunked, identity\r\n\r\n" + chunked_body},
        std::pair{"TE gzip,chunked",
                  post + "Transfer-Encoding: gzip, chunked\r\n\r\n" + chunked_body},
        std::pair{"TE twice",
                  post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" +
                      chunked_body},
        std::pair{
            "TE on HTTP/1.0",
            "POST /v1/chat/completions HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                chunked_body},
        std::pair{"duplicate CL", post + cl + cl + "\r\n" + body},
        std::pair{"CL list", post + "Content-Length: 18, 18\r\n\r\n" + body},
        std::pair{"CL sign", post + "Content-Length: +18\r\n\r\n" + body},
        std::pair{"CL hex", post + "Content-Length: 0x12\r\n\r\n" + body},
        std::pair{"over-long chunk-size line",
                  post + "Transfer-Encoding: chunked\r\n\r\n" + std::string(300, '0') + "12\r\n" +
                      body + "\r\n0\r\n\r\n"},
        std::pair{"over-long chunk extension",
                  post + "Transfer-Encoding: chunked\r\n\r\n12;" + std::string(300, 'e') + "\r\n" +
                      body + "\r\n0\r\n\r\n"},
        std::pair{"bare LF in chunk framing",
                  post + "Transfer-Encoding: chunked\r\n\r\n12\n" + body + "\r\n0\r\n\r\n"},
        std::pair{"chunk data longer than its size",
                  post + "Transfer-Encoding: chunked\r\n\r\n5\r\n" + body + "\r\n0\r\n\r\n"},
        std::pair{
            "chunk extension outside the grammar",
            post + "Transfer-Encoding: chunked\r\n\r\n12;a=\"open\r\n" + body + "\r\n0\r\n\r\n"},
        // The last chunk without its empty line: the next request's head must not be
        // swallowed as a trailer (and relayed later as if it were the client's).
        std::pair{"next request swallowed as trailers",
                  post + "Transfer-Encoding: chunked\r\n\r\n12\r\n" + body +
                      "\r\n0\r\nGET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n"},
        std::pair{"flood of tiny chunks with extensions",
                  [] {
                      std::string flood = post + "Transfer-Encoding: chunked\r\n\r\n";
                      for (int i = 0; i < 64; ++i) {  // 64 payload bytes, 13 KiB of framing
                          flood += "1;" + std::string(200, 'e') + "\r\n" + body[i % 18] + "\r\n";
                      }
                      return flood + "0\r\n\r\n";
                  }()}),
    [](const auto& param_info) {
        std::string name;
        for (char ch : std::string(param_info.param.first)) {
            name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
        }
        return name;
    });

TEST(SmugglingControl, ValidChunkedRequestIsServed) {
    stack s;
    connection c(s.gateway_port());
    c.send(post + "Transfer-Encoding: chunked\r\n\r\n" + chunked_body);
    auto r = read_response(c);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace tollgate::testing

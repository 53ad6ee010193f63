// The data plane end to end: the real gateway in front of the real mock backend.
#include "harness.hpp"
#include "scripted_upstream.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace tollgate::testing {
namespace {

using json = nlohmann::json;

class Proxy : public ::testing::Test {
protected:
    static void SetUpTestSuite() { stack_ = new stack(); }
    static void TearDownTestSuite() {
        delete stack_;
        stack_ = nullptr;
    }
    static std::uint16_t gw() { return stack_->gateway_port(); }
    static std::uint16_t mock() { return stack_->mock_port(); }
    static stack* stack_;
};
stack* Proxy::stack_ = nullptr;

const std::string chat =
    R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}],"max_tokens":5})";
const std::string chat_stream =
    R"({"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello"}],"max_tokens":6})";

TEST_F(Proxy, JsonAnswersAreByteIdenticalToDirect) {
    for (const auto& [path, body] : std::vector<std::pair<std::string, std::string>>{
             {"/v1/chat/completions", chat},
             {"/v1/completions",
              R"({"model":"gpt-3.5-turbo-instruct","prompt":"hi","max_tokens":3})"},
             {"/v1/embeddings", R"({"model":"mock-embed","input":["a","b"]})"},
             {"/v1/responses", R"({"model":"gpt-4.1","input":"hi","max_output_tokens":4})"},
             {"/v1/messages", R"({"model":"claude-3-5-haiku","max_tokens":4,"messages":[]})"}}) {
        auto via = request(gw(), "POST", path, body, {"Content-Type: application/json"});
        auto direct = request(mock(), "POST", path, body, {"Content-Type: application/json"});
        ASSERT_TRUE(via && direct) << path;
        EXPECT_EQ(via->status, 200) << path;
        EXPECT_EQ(via->body, direct->body) << path;
        EXPECT_EQ(via->header("content-type"), "application/json") << path;
    }
}

TEST_F(Proxy, StreamsAreByteIdenticalToDirect) {
    for (const auto& [path, body] : std::vector<std::pair<std::string, std::string>>{
             {"/v1/chat/completions", chat_stream},
             {"/v1/completions",
              R"({"model":"gpt-3.5-turbo-instruct","prompt":"hi","stream":true})"},
             {"/v1/responses", R"({"model":"gpt-4.1","input":"hi","stream":true})"},
             {"/v1/messages",
              R"({"model":"claude-3-5-haiku","max_tokens":9,"stream":true,"messages":[]})"}}) {
        auto via = request(gw(), "POST", path, body);
        auto direct = request(mock(), "POST", path, body);
        ASSERT_TRUE(via && direct) << path;
        EXPECT_EQ(via->status, 200);
        EXPECT_TRUE(via->chunked);
        EXPECT_EQ(via->header("content-type"), "text/event-stream");
        EXPECT_EQ(via->body, direct->body) << path;
        EXPECT_GT(via->body.size(), 200u);
    }
}

// Time from sending the request to the first body byte, and to the end of the body.
std::pair<double, double> first_and_last_ms(std::uint16_t port,
                                            const std::string& body,
                                            const std::vector<std::string>& h) {
    connection c(port);
    const auto t0 = std::chrono::steady_clock::now();
    c.send(make_request("POST", "/v1/chat/completions", body, h));
    std::string got;
    double first = -1;
    while (!c.eof()) {
        auto piece = c.read_some(5s);
        if (piece.empty()) {
            break;
        }
        got += piece;
        const auto head_end = got.find("\r\n\r\n");
        if (first < 0 && head_end != std::string::npos &&
            got.find("data:", head_end) != std::string::npos) {
            first = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                        .count();
        }
        if (got.find("0\r\n\r\n", got.size() - std::min<std::size_t>(got.size(), 5)) !=
            std::string::npos) {
            break;
        }
    }
    return {
        first,
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count()};
}

TEST_F(Proxy, StreamIsRelayedPieceByPieceNotBuffered) {
    const std::vector<std::string> slow = {"x-mock-chunk-delay-ms: 150"};
    const std::string body = R"({"model":"gpt-4o","stream":true,"max_tokens":5})";
    auto [via_first, via_last] = first_and_last_ms(gw(), body, slow);
    auto [direct_first, direct_last] = first_and_last_ms(mock(), body, slow);
    // 7 events 150 ms apart: the first must arrive long before the last.
    EXPECT_GE(via_last, 800.0);
    EXPECT_LT(via_first, 300.0);
    std::printf("time to first chunk: direct %.3f ms, via tollgate %.3f ms (added %.3f ms)\n",
                direct_first,
                via_first,
                via_first - direct_first);
}

TEST_F(Proxy, ClientDisconnectMidStreamClosesTheUpstreamRequest) {
    const auto before = json::parse(stack_->mock_stats());
    {
        connection c(gw());
        c.send(make_request("POST",
                            "/v1/chat/completions",
                            R"({"model":"gpt-4o","stream":true,"max_tokens":40})",
                            {"x-mock-chunk-delay-ms: 100"}));
        EXPECT_NE(c.read_some(5s).find("200 OK"), std::string::npos);
    }                                     // the client leaves after the first piece
    std::this_thread::sleep_for(1500ms);  // 40 chunks would take 4 s
    const auto after = json::parse(stack_->mock_stats());
    EXPECT_EQ(after["streams_aborted"].get<int>(), before["streams_aborted"].get<int>() + 1);
    EXPECT_EQ(after["streams_completed"], before["streams_completed"]);
}

TEST_F(Proxy, UpstreamDropMidStreamEndsTheClientStreamCleanly) {
    connection c(gw());
    c.send(make_request("POST",
                        "/v1/chat/completions",
                        R"({"model":"gpt-4o","stream":true,"max_tokens":20})",
                        {"x-mock-drop-after: 3"}));
    auto r = read_response(c);
    ASSERT_TRUE(r);  // a complete chunked body: terminated, not cut
    EXPECT_EQ(r->status, 200);
    EXPECT_NE(r->body.find("\"content\":\" and\""), std::string::npos);
    EXPECT_NE(r->body.find("event: error\ndata: {\"error\""), std::string::npos);
    EXPECT_TRUE(c.closed_by_peer());
}

// A response larger than the socket buffers, to a client that does not read for a while:
// the gateway's first send takes only part of it and the rest waits for the client (the
// write_now / rest path). The client still gets every byte, identical to direct.
TEST_F(Proxy, AResponseLargerThanTheSocketBuffersReachesASlowClientWhole) {
    // ~6 MB of JSON; ~5 MB of events.
    for (const bool stream : {false, true}) {
        const std::string body = std::string(R"({"model":"gpt-4o-mini",)") +
                                 (stream ? R"("stream":true,)" : "") +
                                 R"("messages":[{"role":"user","content":"hello"}],"max_tokens":)" +
                                 (stream ? "30000" : "1500000") + "}";
        connection c(gw());
        c.send(make_request("POST", "/v1/chat/completions", body, {}));
        std::this_thread::sleep_for(std::chrono::milliseconds(500));  // not reading meanwhile
        const auto via = read_response(c, std::chrono::seconds(30));
        const auto direct = request(mock(), "POST", "/v1/chat/completions", body);
        ASSERT_TRUE(via && direct) << stream;
        EXPECT_EQ(via->status, 200);
        EXPECT_GT(via->body.size(), 4u << 20) << "not larger than the socket buffers";
        EXPECT_EQ(via->body, direct->body) << stream;
    }
}

// A request body larger than the socket's send buffer reaches the upstream whole, whether
// the first send takes all of it (on loopback the reading mock usually makes room as fast)
// or part, the rest being awaited.
TEST_F(Proxy, ARequestLargerThanTheSocketBuffersReachesTheUpstreamWhole) {
    std::string words;
    while (words.size() < (6u << 20)) {
        words += "lorem ipsum dolor sit amet ";
    }
    const std::string body = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":")" +
                             words + R"("}],"max_tokens":3})";
    const auto via = request(gw(), "POST", "/v1/chat/completions", body);
    const auto direct = request(mock(), "POST", "/v1/chat/completions", body);
    ASSERT_TRUE(via && direct);
    EXPECT_EQ(via->status, 200);
    EXPECT_EQ(via->body, direct->body);  // the mock's usage counts the prompt it received
}

TEST_F(Proxy, UpstreamErrorStatusIsRelayedAsIs) {
    auto r = request(gw(), "POST", "/v1/chat/completions", chat, {"x-mock-status: 500"});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 500);
    EXPECT_EQ(json::parse(r->body)["error"]["type"], "mock_error");
}

TEST_F(Proxy, UpstreamGetsItsOwnCredentialAndCleanHeaders) {
    auto r = request(gw(),
                     "POST",
                     "/v1/chat/completions",
                     chat,
                     {"Authorization: Bearer tg_client_key_secret",
                      "x-api-key: tg_client_key_secret",
                      "X-Consumer-ID: forged",
                      "Connection: keep-alive, X-Hop",
                      "X-Hop: 1",
                      "Keep-Alive: timeout=5",
                      "Proxy-Authorization: Basic x",
                      "X-Custom: kept"});
    ASSERT_TRUE(r);
    const auto seen = json::parse(stack_->mock_stats())["last_headers"];
    EXPECT_EQ(seen["Authorization"], "Bearer sk-upstream-openai");
    EXPECT_FALSE(seen.contains("x-api-key"));
    EXPECT_FALSE(seen.contains("X-Consumer-ID"));
    EXPECT_FALSE(seen.contains("X-Hop"));
    EXPECT_FALSE(seen.contains("Keep-Alive"));
    EXPECT_FALSE(seen.contains("Proxy-Authorization"));
    EXPECT_EQ(seen["X-Custom"], "kept");
    EXPECT_EQ(seen["X-Request-ID"], r->header("x-request-id"));
    const std::string id = r->header("x-request-id");
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    // The next one differs only in the counter half: the same worker's prefix, or another's.
    auto again = request(gw(), "POST", "/v1/chat/completions", chat);
    ASSERT_TRUE(again);
    EXPECT_NE(again->header("x-request-id"), id);
    EXPECT_EQ(again->header("x-request-id").size(), 32u);

    auto a = request(gw(),
                     "POST",
                     "/v1/messages",
                     R"({"model":"claude-x","max_tokens":1,"messages":[]})",
                     {"x-api-key: tg_client_key_secret"});
    ASSERT_TRUE(a);
    const auto seen_a = json::parse(stack_->mock_stats())["last_headers"];
    EXPECT_EQ(seen_a["x-api-key"], "sk-upstream-anthropic");
    EXPECT_EQ(seen_a["anthropic-version"], "2023-06-01");
    EXPECT_FALSE(seen_a.contains("Authorization"));
}

TEST_F(Proxy, IncomingRequestIdIsKeptAndReturned) {
    auto r = request(gw(), "POST", "/v1/chat/completions", chat, {"X-Request-ID: trace-abc-123"});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header("x-request-id"), "trace-abc-123");
    EXPECT_EQ(json::parse(stack_->mock_stats())["last_headers"]["X-Request-ID"], "trace-abc-123");
}

TEST_F(Proxy, KeepAliveCarriesManyRequestsOnOneConnection) {
    connection c(gw());
    for (int i = 0; i < 20; ++i) {
        c.send(make_request("POST", "/v1/chat/completions", i % 2 ? chat : chat_stream));
        auto r = read_response(c);
        ASSERT_TRUE(r) << i;
        EXPECT_EQ(r->status, 200);
    }
    // Two pipelined requests are answered in order.
    c.send(make_request("POST", "/v1/chat/completions", chat) +
           make_request("GET", "/v1/models", ""));
    auto first = read_response(c);
    auto second = read_response(c);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(json::parse(first->body)["object"], "chat.completion");
    EXPECT_EQ(json::parse(second->body)["object"], "list");
}

TEST_F(Proxy, AccessLogHasOneLinePerRequestWithoutSecrets) {
    auto r = request(gw(),
                     "POST",
                     "/v1/chat/completions",
                     chat_stream,
                     {"Authorization: Bearer tg_secret_in_header", "X-Request-ID: log-check-1"});
    ASSERT_TRUE(r);
    std::this_thread::sleep_for(1500ms);  // the access log flushes every second
    const auto log = stack_->gateway().log();
    const auto at = log.find("request_id=log-check-1 ");
    ASSERT_NE(at, std::string::npos) << log;
    const auto line = log.substr(at, log.find('\n', at) - at);
    EXPECT_NE(line.find("model=gpt-4o-mini upstream=mock-openai consumer=- key=- status=200"),
              std::string::npos)
        << line;
    EXPECT_NE(line.find("sse_events=10"), std::string::npos) << line;
    EXPECT_EQ(log.find("tg_secret_in_header"), std::string::npos);
    EXPECT_EQ(log.find("hello"), std::string::npos);  // no prompt text
}

TEST(ProxyJsonLog, EveryAccessLineIsOneJsonObject) {
    // log.format: json. The lines carry their own time; the log sink adds nothing before them
    // (it used to prefix a second "time" to the first line of each batch: invalid JSON).
    stack s("", "", "", "auth: { enabled: false }\nlog: { format: json }\n");
    for (int i = 0; i < 3; ++i) {
        const auto r = request(s.gateway_port(),
                               "POST",
                               "/v1/chat/completions",
                               chat,
                               {"X-Request-ID: json-line-" + std::to_string(i)});
        ASSERT_TRUE(r && r->status == 200);
    }
    std::this_thread::sleep_for(1500ms);  // the access log flushes every second
    std::istringstream lines(s.gateway().log());
    int access_lines = 0;
    for (std::string line; std::getline(lines, line);) {
        if (line.find("json-line-") == std::string::npos) {
            continue;
        }
        const auto parsed = json::parse(line, nullptr, false);
        ASSERT_FALSE(parsed.is_discarded()) << line;
        EXPECT_TRUE(parsed["time"].is_string()) << line;
        EXPECT_EQ(parsed["status"], 200) << line;
        ++access_lines;
    }
    EXPECT_EQ(access_lines, 3);
}

const std::string small_answer =
    R"({"id":"x","object":"chat.completion","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})";

// An upstream that answers each connection's first request with the bytes given, then closes
// at once: its close arrives with or right after the answer. By default the answer is a
// keep-alive one (no Connection: close): the gateway pools such connections, and the next
// request finds one dead and must be retried on a fresh one.
class closing_upstream {
public:
    explicit closing_upstream(std::string answer =
                                  "HTTP/1.1 200 OK\r\nContent-Type: "
                                  "application/json\r\nContent-Length: " +
                                  std::to_string(small_answer.size()) + "\r\n\r\n" + small_answer)
        : answer_(std::move(answer)), up_([this](int c) {
              scripted_upstream::read_request(c);
              scripted_upstream::send_all(c, answer_);
              ++answered_;
          }) {}
    std::uint16_t port() const { return up_.port(); }
    int answered() const { return answered_; }

private:
    std::string answer_;
    std::atomic<int> answered_{0};
    scripted_upstream up_;  // last: its thread starts once the rest exists
};

TEST(ProxyPool, AnUpstreamThatClosesAfterEachAnswerIsRetriedOnAFreshConnection) {
    closing_upstream up;
    stack s("",
            "",
            "  - name: closer\n    url: http://127.0.0.1:" + std::to_string(up.port()) +
                "\n    models: [\"closer-*\"]\n");
    connection c(s.gateway_port());
    const std::string body = R"({"model":"closer-1","messages":[],"max_tokens":2})";
    for (int i = 0; i < 20; ++i) {
        c.send(make_request("POST", "/v1/chat/completions", body));
        auto r = read_response(c);
        ASSERT_TRUE(r) << "request " << i;
        EXPECT_EQ(r->status, 200) << "request " << i << ": " << r->body;
        // Sometimes right away, sometimes after the close has been seen.
        if (i % 2 == 1) {
            std::this_thread::sleep_for(5ms);
        }
    }
    EXPECT_EQ(up.answered(), 20);
}

// One request through the gateway to an upstream that answers with `answer`.
std::optional<response> through(const std::string& answer) {
    closing_upstream up(answer);
    stack s("",
            "",
            "  - name: closer\n    url: http://127.0.0.1:" + std::to_string(up.port()) +
                "\n    models: [\"closer-*\"]\n");
    return request(s.gateway_port(),
                   "POST",
                   "/v1/chat/completions",
                   R"({"model":"closer-1","messages":[],"max_tokens":2})");
}

TEST(ProxyResponses, InterimResponsesAreSkipped) {
    auto r = through(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: " +
        std::to_string(small_answer.size()) + "\r\n\r\n" + small_answer);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, small_answer);
}

TEST(ProxyResponses, ABodyEndedByTheCloseArrivesWholeAndChunked) {
    auto r = through("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + small_answer);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(r->chunked);
    EXPECT_EQ(r->body, small_answer);
}

TEST(ProxyResponses, AChunkedBodyWithExtensionsAndTrailersArrivesDecodedAndRechunked) {
    auto r = through(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n"
        "6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hello world");
}

TEST(ProxyResponses, AnAnswerNobodyCanDelimitIsABadGateway) {
    for (const std::string answer :
         {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
          "HTTP/1.1 200 OK\nContent-Length: 5\n\nhello",
          "HTTP/1.1 2x0 OK\r\nContent-Length: 5\r\n\r\nhello"}) {
        auto r = through(answer);
        ASSERT_TRUE(r) << answer;
        EXPECT_EQ(r->status, 502) << answer;
    }
}

TEST(ProxyResponses, ABrokenChunkedBodyEndsTheStreamCleanly) {
    auto r = through("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n");
    ASSERT_TRUE(r);  // the head went out; the body ends with the last chunk, cut short
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hello");
}

}  // namespace
}  // namespace tollgate::testing

// upstreams[].max_event_gap and max_stream_duration: the real binary in front of a scripted
// upstream on a raw socket that paces its SSE chunks. A stream of comments must end; a stream
// of data events slower than the gap but steady must not; no stream outlives its duration.
#include "harness.hpp"
#include "scripted_upstream.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace tollgate::testing {
namespace {

using clock_type = std::chrono::steady_clock;

// Answers one request with a chunked event stream: `piece` every `every`, for `lasting`,
// then a [DONE] event and the last chunk. Stops early when the gateway hangs up.
class paced_upstream {
public:
    paced_upstream(std::string piece,
                   std::chrono::milliseconds every,
                   std::chrono::milliseconds lasting)
        : upstream_([this, piece, every, lasting](int c) { serve(c, piece, every, lasting); }) {}
    std::uint16_t port() const { return upstream_.port(); }
    /// True once the gateway closed the upstream connection before the stream's end (seen
    /// within `within`, as the upstream's next sends fail).
    bool cut(std::chrono::milliseconds within = 3s) const {
        const auto until = clock_type::now() + within;
        while (!cut_ && !done_ && clock_type::now() < until) {
            std::this_thread::sleep_for(20ms);
        }
        return cut_;
    }

private:
    void serve(int c,
               const std::string& piece,
               std::chrono::milliseconds every,
               std::chrono::milliseconds lasting) {
        using up = scripted_upstream;
        up::read_request(c);
        bool ok = up::send_all(c,
                               "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n");
        const auto end = clock_type::now() + lasting;
        while (ok && clock_type::now() < end) {
            std::this_thread::sleep_for(every);
            ok = up::send_chunk(c, piece);
        }
        if (ok) {
            ok = up::send_chunk(c, "data: [DONE]\n\n") && up::send_all(c, "0\r\n\r\n");
        }
        cut_ = !ok;  // a send failed: the gateway closed the stream before its end
        done_ = true;
    }

    std::atomic<bool> cut_{false};
    std::atomic<bool> done_{false};
    scripted_upstream upstream_;  // last: its thread starts after the flags exist
};

struct relayed {
    std::string bytes;
    clock_type::duration took;
};

// Streams one chat request through a gateway in front of `up` and reads until the body's end.
relayed stream_through(paced_upstream& up, const std::string& limits) {
    stack s("",
            "",
            "  - name: paced\n    url: http://127.0.0.1:" + std::to_string(up.port()) +
                "\n    models: [\"paced-*\"]\n" + limits);
    connection c(s.gateway_port());
    const auto start = clock_type::now();
    c.send(make_request(
        "POST", "/v1/chat/completions", R"({"model":"paced-1","stream":true,"messages":[]})"));
    relayed out;
    while (out.bytes.find("\r\n0\r\n\r\n") == std::string::npos) {
        const std::string got = c.read_some(15s);
        if (got.empty()) {
            break;
        }
        out.bytes += got;
    }
    out.took = clock_type::now() - start;
    return out;
}

TEST(StreamLimits, AStreamOfCommentsEndsAtTheEventGap) {
    paced_upstream up(": keep-alive\n\n", 100ms, 8s);
    const auto r = stream_through(up, "    max_event_gap: 1s\n");
    EXPECT_NE(r.bytes.find(": keep-alive"), std::string::npos);  // comments are relayed
    EXPECT_NE(r.bytes.find("event: error"), std::string::npos) << r.bytes.substr(0, 400);
    EXPECT_NE(r.bytes.find("max_event_gap"), std::string::npos);
    EXPECT_NE(r.bytes.find("\r\n0\r\n\r\n"), std::string::npos);  // a clean end of the body
    EXPECT_EQ(r.bytes.find("[DONE]"), std::string::npos);
    EXPECT_GE(r.took, 1s);
    EXPECT_LT(r.took, 4s);
    EXPECT_TRUE(up.cut());
}

TEST(StreamLimits, DataEventsSlowerThanBytesButWithinTheGapKeepTheStream) {
    // An event every 400 ms, with a 1 s gap: 3 s of stream reaches its end untouched.
    paced_upstream up("data: {\"choices\":[]}\n\n", 400ms, 3s);
    const auto r = stream_through(up, "    max_event_gap: 1s\n");
    EXPECT_NE(r.bytes.find("[DONE]"), std::string::npos) << r.bytes.substr(0, 400);
    EXPECT_EQ(r.bytes.find("event: error"), std::string::npos);
    EXPECT_FALSE(up.cut(1s));
}

TEST(StreamLimits, NoStreamOutlivesItsDuration) {
    paced_upstream up("data: {\"choices\":[]}\n\n", 100ms, 10s);
    const auto r = stream_through(up, "    max_stream_duration: 1500ms\n");
    EXPECT_NE(r.bytes.find("event: error"), std::string::npos) << r.bytes.substr(0, 400);
    EXPECT_NE(r.bytes.find("max_stream_duration"), std::string::npos);
    EXPECT_EQ(r.bytes.find("[DONE]"), std::string::npos);
    EXPECT_GE(r.took, 1500ms);
    EXPECT_LT(r.took, 4s);
    EXPECT_TRUE(up.cut());
}

}  // namespace
}  // namespace tollgate::testing

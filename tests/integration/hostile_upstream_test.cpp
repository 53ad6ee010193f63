// Upstreams that answer in ways meant to exhaust the gateway: the real binary, a scripted
// upstream on a raw socket, and the gateway's resident memory read from /proc.
#include "harness.hpp"
#include "scripted_upstream.hpp"

#include <thread>

#include <gtest/gtest.h>

namespace tollgate::testing {
namespace {

// Answers with an SSE stream whose first line is `line_bytes` long and never ends before the
// body does, then a normal event.
void endless_line(int c, std::size_t line_bytes) {
    using up = scripted_upstream;
    up::read_request(c);
    up::send_all(c,
                 "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n");
    up::send_chunk(c, "data: ");
    const std::string piece(1 << 20, 'x');
    for (std::size_t sent = 0; sent < line_bytes; sent += piece.size()) {
        if (!up::send_chunk(c, piece)) {
            return;
        }
    }
    up::send_chunk(c, "\n\ndata: [DONE]\n\n");
    up::send_all(c, "0\r\n\r\n");
    std::this_thread::sleep_for(200ms);
}

// Before: the usage reader and the event counter each buffered the line whole (a 256 MiB
// line: +786 MB). Now each holds at most 8 MiB of an event and drops the rest.
TEST(HostileUpstream, AnSseLineThatNeverEndsDoesNotGrowTheGateway) {
    scripted_upstream up([](int c) { endless_line(c, 128u << 20); });  // 128 MiB in one line
    stack s("",
            "",
            "  - name: endless\n    url: http://127.0.0.1:" + std::to_string(up.port()) +
                "\n    models: [\"endless-*\"]\n");
    const long before = s.gateway().rss_kib();
    connection c(s.gateway_port());
    c.send(make_request(
        "POST", "/v1/chat/completions", R"({"model":"endless-1","stream":true,"messages":[]})"));
    std::size_t received = 0;
    long peak = before;
    for (;;) {
        const std::string got = c.read_some(10s);
        if (got.empty()) {
            break;
        }
        received += got.size();
        if (received % (8u << 20) < got.size()) {
            peak = std::max(peak, s.gateway().rss_kib());
        }
        if (got.find("[DONE]") != std::string::npos) {
            break;
        }
    }
    peak = std::max(peak, s.gateway().rss_kib());
    EXPECT_GT(received, 128u << 20);  // relayed, as a proxy must
    EXPECT_LT(peak - before, 64 * 1024) << "RSS grew " << (peak - before) << " KiB";
    std::printf("gateway RSS: %ld KiB before, %ld KiB peak while relaying a 128 MiB SSE line\n",
                before,
                peak);
}

}  // namespace
}  // namespace tollgate::testing

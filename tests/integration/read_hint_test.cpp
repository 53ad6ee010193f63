// expect_nothing_to_read() on real loopback sockets and Asio's real epoll reactor: a hinted
// read waits for bytes instead of trying at once, and bytes that come later are never missed,
// whether they arrive while the read waits or before it starts.
#include "tollgate/core/read_hint.hpp"

#include <array>
#include <chrono>

#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace tollgate {
namespace {

using namespace std::chrono_literals;

class ReadHint : public ::testing::Test {
protected:
    ReadHint() {
        net::ip::tcp::acceptor acceptor(ioc_, {net::ip::make_address("127.0.0.1"), 0});
        peer_.connect(acceptor.local_endpoint());
        acceptor.accept(ours_);
    }

    // Starts a read of ours_ that records its result.
    void start_read() {
        ours_.async_read_some(net::buffer(buf_),
                              [this](boost::system::error_code ec, std::size_t n) {
                                  ec_ = ec;
                                  got_ = n;
                                  done_ = true;
                              });
    }

    // Runs the reactor until the read completes or `limit` passes.
    bool run_until_done(std::chrono::milliseconds limit) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (!done_ && std::chrono::steady_clock::now() < until) {
            ioc_.restart();
            ioc_.run_for(5ms);
        }
        return done_;
    }

    net::io_context ioc_{1};
    net::ip::tcp::socket peer_{ioc_};
    tcp_socket ours_{ioc_.get_executor()};
    std::array<char, 64> buf_{};
    boost::system::error_code ec_;
    std::size_t got_ = 0;
    bool done_ = false;
};

TEST_F(ReadHint, AFreshSocketTriesReadsAtOnceAndTheHintStopsThat) {
    EXPECT_TRUE(will_try_read_at_once(ours_));
    expect_nothing_to_read(ours_);
    EXPECT_FALSE(will_try_read_at_once(ours_));
}

TEST_F(ReadHint, AHintedReadWaitsThenGetsTheBytesThatArrive) {
    expect_nothing_to_read(ours_);
    start_read();
    EXPECT_FALSE(run_until_done(50ms));  // nothing sent yet: it waits
    net::write(peer_, net::buffer("hello", 5));
    ASSERT_TRUE(run_until_done(2000ms));
    EXPECT_FALSE(ec_);
    EXPECT_EQ(std::string_view(buf_.data(), got_), "hello");
    // The readiness event turned reads at once back on.
    EXPECT_TRUE(will_try_read_at_once(ours_));
}

TEST_F(ReadHint, BytesThatArriveBeforeTheReadStartsAreNotMissed) {
    expect_nothing_to_read(ours_);
    net::write(peer_, net::buffer("early", 5));
    // The reactor sees the event with no read pending (kept running, as a worker's is, by
    // other work), which turns reads at once back on.
    const auto busy = net::make_work_guard(ioc_);
    for (int i = 0; i < 100 && !will_try_read_at_once(ours_); ++i) {
        ioc_.restart();
        ioc_.run_for(5ms);
    }
    EXPECT_TRUE(will_try_read_at_once(ours_));
    start_read();
    ASSERT_TRUE(run_until_done(2000ms));
    EXPECT_EQ(std::string_view(buf_.data(), got_), "early");
}

TEST_F(ReadHint, APeerThatClosesEndsAHintedRead) {
    expect_nothing_to_read(ours_);
    start_read();
    peer_.close();
    ASSERT_TRUE(run_until_done(2000ms));
    EXPECT_EQ(ec_, net::error::eof);
}

TEST_F(ReadHint, AClosedSocketIsLeftAlone) {
    ours_.close();
    expect_nothing_to_read(ours_);
    EXPECT_TRUE(will_try_read_at_once(ours_));
}

}  // namespace
}  // namespace tollgate

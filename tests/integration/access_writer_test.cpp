// access_writer on a real pipe and its real thread: every batch arrives whole and in order,
// also when the reader is slower than the writers and the pending bound makes them wait, and
// a reader that goes away costs lines, not the process.
#include "tollgate/server/access_writer.hpp"

#include <chrono>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <gtest/gtest.h>

namespace tollgate::server {
namespace {

using namespace std::chrono_literals;

struct pipe_ends {
    pipe_ends() { EXPECT_EQ(::pipe(fd), 0); }
    ~pipe_ends() {
        for (int f : fd) {
            if (f >= 0) {
                ::close(f);
            }
        }
    }
    void close_read_end() {
        ::close(fd[0]);
        fd[0] = -1;
    }
    int fd[2] = {-1, -1};
};

// Reads the pipe until its write end is closed, `pause` between reads.
std::string read_all(int fd, std::chrono::microseconds pause) {
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) {
            return out;
        }
        out.append(buf, static_cast<std::size_t>(n));
        std::this_thread::sleep_for(pause);
    }
}

std::string batch(int writer, int i) {
    return "w" + std::to_string(writer) + " line " + std::to_string(i) + " " +
           std::string(200, 'x') + "\n";
}

TEST(AccessWriter, WritesEveryBatchOfEachWriterInOrderPastASlowReader) {
    pipe_ends p;
    std::string got;
    std::thread reader([&] { got = read_all(p.fd[0], 50us); });
    {
        access_writer w(p.fd[1], 4096);  // far less than what is written: writers must wait
        std::vector<std::thread> writers;
        for (int t = 0; t < 2; ++t) {
            writers.emplace_back([&w, t] {
                for (int i = 0; i < 500; ++i) {
                    w.submit(batch(t, i));
                }
            });
        }
        for (auto& t : writers) {
            t.join();
        }
        w.flush();
    }
    ::close(p.fd[1]);
    p.fd[1] = -1;
    reader.join();
    int next[2] = {0, 0};
    std::size_t pos = 0;
    while (pos < got.size()) {
        const auto end = got.find('\n', pos);
        ASSERT_NE(end, std::string::npos);
        const std::string line = got.substr(pos, end + 1 - pos);
        const int t = line[1] - '0';
        ASSERT_TRUE(t == 0 || t == 1) << line;
        EXPECT_EQ(line, batch(t, next[t])) << "writer " << t << " out of order or torn";
        ++next[t];
        pos = end + 1;
    }
    EXPECT_EQ(next[0], 500);
    EXPECT_EQ(next[1], 500);
}

TEST(AccessWriter, TheDestructorWritesWhatIsPending) {
    pipe_ends p;
    {
        access_writer w(p.fd[1], 1 << 20);
        w.submit("one\n");
        w.submit("");  // nothing: not a batch
        w.submit("two\n");
    }
    ::close(p.fd[1]);
    p.fd[1] = -1;
    EXPECT_EQ(read_all(p.fd[0], 0us), "one\ntwo\n");
}

TEST(AccessWriter, AClosedReaderLosesLinesButNotTheProcess) {
    pipe_ends p;
    p.close_read_end();
    access_writer w(p.fd[1], 64);
    for (int i = 0; i < 100; ++i) {
        w.submit(batch(0, i));  // EPIPE, not SIGPIPE: the writer thread blocks the signal
    }
    w.flush();
    // Still here (a SIGPIPE would have ended the test binary), and the writer still takes
    // and finishes work: flush() returns for what comes after, too.
    const auto before = std::chrono::steady_clock::now();
    w.submit(batch(1, 0));
    w.flush();
    EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(5));
}

}  // namespace
}  // namespace tollgate::server

#include "tollgate/core/watchdog.hpp"

#include <thread>

#include <gtest/gtest.h>

namespace tollgate {
namespace {

using namespace std::chrono_literals;

TEST(Watchdog, NeverDueEarlierThanItsPeriod) {
    std::thread([] {  // a fresh thread: no tick has set its coarse clock
        watchdog w;
        EXPECT_FALSE(w.armed());
        const auto before = watchdog::clock::now();
        w.arm(500ms);
        EXPECT_TRUE(w.armed());
        EXPECT_GE(w.due, before + 500ms);
        // A stale coarse clock (the tick ran a while ago) still never makes it early.
        watchdog::refresh_coarse_now();
        std::this_thread::sleep_for(50ms);
        const auto later = watchdog::clock::now();
        w.arm(500ms);
        EXPECT_GE(w.due, later + 500ms);  // padded by a tick, which covers the staleness
    })
        .join();
}

TEST(Watchdog, DisarmForgetsTheDeadlineAndArmClearsFired) {
    watchdog w;
    w.fired = true;
    w.arm(1s);
    EXPECT_FALSE(w.fired);
    w.disarm();
    EXPECT_FALSE(w.armed());
}

}  // namespace
}  // namespace tollgate

// watchdog: a deadline that costs no clock read to set and nothing to clear. A worker's
// periodic tick (server::worker) checks the watchdogs of its sessions and cancels the I/O of
// the ones that passed their due time, so no request schedules or cancels a timer. The tick
// also refreshes a per-thread coarse clock that arm() reads instead of the real one; a period
// is padded by one tick, so a deadline never fires early and at most two ticks late.
// Worker-local.
#pragma once

#include <algorithm>
#include <chrono>

namespace tollgate {

struct watchdog {
    using clock = std::chrono::steady_clock;

    /// The tick's period; deadlines are precise to about twice this.
    static constexpr std::chrono::milliseconds tick{100};

    clock::time_point due = clock::time_point::max();
    bool fired = false;  // the last armed period ran out (and the I/O was cancelled)

    void arm(std::chrono::milliseconds period) noexcept {
        due = coarse_now() + period + tick;
        fired = false;
    }
    /// As arm(period), but due no later than `limit` (an overall deadline), padded alike.
    void arm(std::chrono::milliseconds period, clock::time_point limit) noexcept {
        due = std::min(coarse_now() + period, limit) + tick;
        fired = false;
    }
    void disarm() noexcept { due = clock::time_point::max(); }
    bool armed() const noexcept { return due != clock::time_point::max(); }

    /// The time of this thread's last tick (refresh_coarse_now), or the real time on a
    /// thread without a tick.
    static clock::time_point coarse_now() noexcept {
        return coarse_ != clock::time_point{} ? coarse_ : clock::now() - tick;
    }
    /// Called by the tick: reads the real clock once for the whole thread.
    static clock::time_point refresh_coarse_now() noexcept { return coarse_ = clock::now(); }

private:
    static inline thread_local clock::time_point coarse_{};
};

}  // namespace tollgate

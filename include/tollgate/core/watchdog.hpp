// watchdog: a deadline that costs one clock read to set and nothing to clear. A worker's
// periodic tick (server::worker) checks the watchdogs of its sessions and cancels the I/O of
// the ones that passed their due time, so no request schedules or cancels a timer. Precision
// is the tick (100 ms). Worker-local.
#pragma once

#include <chrono>

namespace tollgate {

struct watchdog {
    using clock = std::chrono::steady_clock;

    clock::time_point due = clock::time_point::max();
    bool fired = false;  // the last armed period ran out (and the I/O was cancelled)

    void arm(std::chrono::milliseconds period) noexcept {
        due = clock::now() + period;
        fired = false;
    }
    void disarm() noexcept { due = clock::time_point::max(); }
    bool armed() const noexcept { return due != clock::time_point::max(); }
};

}  // namespace tollgate

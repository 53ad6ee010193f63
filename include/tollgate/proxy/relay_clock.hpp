// relay_clock: the deadlines of one response body's relay beyond the gap between two pieces
// (idle_timeout): the whole relay (max_stream_duration) and, for an event stream, the gap
// between two data events (max_event_gap), which SSE comments do not reset. Pure: time comes
// from the caller; the watchdog that enforces the earliest deadline is the caller's.
#pragma once

#include "tollgate/core/error.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>

#include <boost/system/error_code.hpp>

namespace tollgate::proxy {

class relay_clock {
public:
    using time_point = std::chrono::steady_clock::time_point;

    /// A relay starting at `now`. `watch_events`: the body is an event stream whose data
    /// events are counted (`events_so_far` of them already).
    void start(time_point now,
               std::chrono::milliseconds max_duration,
               std::chrono::milliseconds max_event_gap,
               bool watch_events,
               std::uint64_t events_so_far) noexcept {
        gap_ = max_event_gap;
        stream_due_ = now + max_duration;
        event_due_ = watch_events ? now + max_event_gap : time_point::max();
        seen_ = events_so_far;
    }

    /// The earliest of the deadlines.
    time_point limit() const noexcept { return std::min(stream_due_, event_due_); }

    /// After a piece of the body: `events` data events counted so far.
    void saw(time_point now, std::uint64_t events) noexcept {
        if (events != seen_) {
            seen_ = events;
            if (event_due_ != time_point::max()) {
                event_due_ = now + gap_;
            }
        }
    }

    /// Why a read that the watchdog cut at `now` ended: which deadline passed, or the
    /// idle gap (upstream_timeout).
    boost::system::error_code timed_out(time_point now) const noexcept {
        if (now >= stream_due_) {
            return error::stream_too_long;
        }
        return now >= event_due_ ? error::stream_stalled : error::upstream_timeout;
    }

private:
    std::chrono::milliseconds gap_{};
    time_point stream_due_ = time_point::max();
    time_point event_due_ = time_point::max();
    std::uint64_t seen_ = 0;
};

}  // namespace tollgate::proxy

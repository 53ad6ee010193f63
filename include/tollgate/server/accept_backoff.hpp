// accept_backoff: what an accept loop does when accept() fails for a reason other than "no
// connection pending" (out of descriptors, out of memory): pause, doubling from 10 ms to 1 s
// while it keeps failing, and log at most one line per 10 s, saying how many failures the
// silence hid. Without it the loop spun on a full core and wrote ~300,000 lines a second.
// Pure: time is a parameter.
#pragma once

#include <chrono>
#include <cstddef>

namespace tollgate::server {

class accept_backoff {
public:
    using clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds first_pause{10};
    static constexpr std::chrono::milliseconds longest_pause{1000};
    static constexpr std::chrono::seconds log_every{10};

    struct step {
        std::chrono::milliseconds pause;  // before accepting again
        bool log = false;                 // write a line now
        std::size_t hidden = 0;           // failures not logged since the last line
    };

    /// An accept failed at `now`.
    step failed(clock::time_point now) noexcept;
    /// An accept succeeded: the next failure starts the pauses afresh.
    void succeeded() noexcept { pause_ = first_pause; }

private:
    std::chrono::milliseconds pause_{first_pause};
    clock::time_point logged_{};
    bool ever_logged_ = false;
    std::size_t hidden_ = 0;
};

}  // namespace tollgate::server

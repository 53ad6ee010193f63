// relay_clock: which deadline a relay has next, and which one a cut read passed.
#include "tollgate/proxy/relay_clock.hpp"

#include <gtest/gtest.h>

namespace tollgate::proxy {
namespace {

using namespace std::chrono_literals;
const relay_clock::time_point t0{std::chrono::hours(1)};

TEST(RelayClock, AnEventStreamIsDueAtItsGapUntilADataEventMovesIt) {
    relay_clock c;
    c.start(t0, 30min, 5s, true, 0);
    EXPECT_EQ(c.limit(), t0 + 5s);
    c.saw(t0 + 4s, 0);  // bytes, but no new event (comments): the deadline stays
    EXPECT_EQ(c.limit(), t0 + 5s);
    EXPECT_EQ(c.timed_out(t0 + 5s), boost::system::error_code(error::stream_stalled));
    c.saw(t0 + 4s, 1);  // a data event
    EXPECT_EQ(c.limit(), t0 + 9s);
    EXPECT_EQ(c.timed_out(t0 + 6s),
              boost::system::error_code(error::upstream_timeout));  // the idle gap
}

TEST(RelayClock, NoRelayOutlivesItsDuration) {
    relay_clock c;
    c.start(t0, 10s, 5s, true, 3);
    for (int i = 1; i <= 12; ++i) {
        c.saw(t0 + std::chrono::seconds(i), 3 + static_cast<unsigned>(i));
    }
    EXPECT_EQ(c.limit(), t0 + 10s);
    EXPECT_EQ(c.timed_out(t0 + 10s), boost::system::error_code(error::stream_too_long));
}

TEST(RelayClock, ABodyThatIsNotAnEventStreamHasOnlyItsDuration) {
    relay_clock c;
    c.start(t0, 10s, 1s, false, 0);
    EXPECT_EQ(c.limit(), t0 + 10s);
    c.saw(t0 + 1s, 7);
    EXPECT_EQ(c.limit(), t0 + 10s);
    EXPECT_EQ(c.timed_out(t0 + 5s), boost::system::error_code(error::upstream_timeout));
}

}  // namespace
}  // namespace tollgate::proxy

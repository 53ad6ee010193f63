#include "tollgate/quota/window.hpp"

#include "tollgate/core/rfc3339.hpp"

#include <gtest/gtest.h>

namespace tollgate::quota {
namespace {

std::int64_t at(const char* text) {
    return *parse_rfc3339(text);
}

TEST(Window, FixedLengthsAlignToTheEpoch) {
    const auto t = at("2026-11-24T10:17:42Z");
    EXPECT_EQ(window_at(config::window::second, t), (span{t, t + 1}));
    EXPECT_EQ(window_at(config::window::minute, t),
              (span{at("2026-11-24T10:17:00Z"), at("2026-11-24T10:18:00Z")}));
    EXPECT_EQ(window_at(config::window::hour, t),
              (span{at("2026-11-24T10:00:00Z"), at("2026-11-24T11:00:00Z")}));
}

TEST(Window, DaysWeeksAndMonthsAreCalendarUtc) {
    const auto t = at("2026-11-24T10:17:42Z");  // a Tuesday
    EXPECT_EQ(window_at(config::window::day, t),
              (span{at("2026-11-24T00:00:00Z"), at("2026-11-25T00:00:00Z")}));
    EXPECT_EQ(window_at(config::window::week, t),
              (span{at("2026-11-23T00:00:00Z"), at("2026-11-30T00:00:00Z")}));
    EXPECT_EQ(window_at(config::window::month, t),
              (span{at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z")}));
    // Edges: a Monday at midnight starts its own week; December rolls into January;
    // February of a leap year has 29 days.
    const auto monday = at("2026-11-30T00:00:00Z");
    EXPECT_EQ(window_at(config::window::week, monday).start, monday);
    EXPECT_EQ(window_at(config::window::week, monday - 1).end, monday);
    EXPECT_EQ(window_at(config::window::month, at("2026-12-31T23:59:59Z")).end,
              at("2027-01-01T00:00:00Z"));
    EXPECT_EQ(window_at(config::window::month, at("2028-02-10T00:00:00Z")),
              (span{at("2028-02-01T00:00:00Z"), at("2028-03-01T00:00:00Z")}));
}

TEST(Window, EveryInstantIsInsideItsWindow) {
    for (std::int64_t t = at("2026-01-01T00:00:00Z"); t < at("2027-01-01T00:00:00Z");
         t += 86400 / 3 + 7) {
        for (auto w : {config::window::second,
                       config::window::minute,
                       config::window::hour,
                       config::window::day,
                       config::window::week,
                       config::window::month}) {
            const auto s = window_at(w, t);
            EXPECT_LE(s.start, t);
            EXPECT_LT(t, s.end);
            EXPECT_EQ(window_at(w, s.end), window_at(w, s.end)) << "deterministic";
            EXPECT_EQ(window_at(w, s.end).start, s.end) << "windows tile time";
        }
    }
}

}  // namespace
}  // namespace tollgate::quota

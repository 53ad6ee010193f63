#include "tollgate/core/rfc3339.hpp"

#include <gtest/gtest.h>

namespace tollgate {
namespace {

TEST(Rfc3339, ParsesUtcOffsetsAndFractions) {
    EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
    EXPECT_EQ(parse_rfc3339("2026-11-24T10:00:00Z"), 1795514400);
    EXPECT_EQ(parse_rfc3339("2026-11-24T12:00:00+02:00"), 1795514400);
    EXPECT_EQ(parse_rfc3339("2026-11-24T10:00:00.123456Z"), 1795514400);
    EXPECT_EQ(parse_rfc3339("2026-11-24t10:00:00z"), 1795514400);
}

TEST(Rfc3339, RefusesWhatIsNotATime) {
    for (const char* bad : {"",
                            "2026-11-24",
                            "2026-11-24T10:00:00",
                            "2026-13-01T00:00:00Z",
                            "2026-02-30T00:00:00Z",
                            "2026-11-24T25:00:00Z",
                            "2026-11-24T10:00Z",
                            "2026-11-24T10:00:00+2:00",
                            "2026-11-24T10:00:00Zjunk",
                            "tomorrow"}) {
        EXPECT_FALSE(parse_rfc3339(bad)) << bad;
    }
}

TEST(Rfc3339, FormatsAndRoundTrips) {
    EXPECT_EQ(format_rfc3339(1795514400), "2026-11-24T10:00:00Z");
    EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
    for (std::int64_t t : {0LL, 951782400LL, 1795514400LL, 4102444799LL}) {
        EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t);
    }
}

}  // namespace
}  // namespace tollgate

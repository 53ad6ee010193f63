#include "tollgate/metering/estimate.hpp"

#include <gtest/gtest.h>

namespace tollgate::metering {
namespace {

TEST(Estimate, RoundsUpAndTheStrictBoundIsAboveIt) {
    EXPECT_EQ(estimate_tokens(0), 0);
    EXPECT_EQ(estimate_tokens(1), 1);
    EXPECT_EQ(estimate_tokens(8), 2);
    EXPECT_EQ(estimate_tokens(9), 3);
    for (std::uint64_t bytes : {0ull, 1ull, 100ull, 1'000'000ull}) {
        EXPECT_GT(strict_prompt_bound(bytes), estimate_tokens(bytes));
        EXPECT_GE(strict_prompt_bound(bytes), static_cast<std::int64_t>(bytes));
    }
}

}  // namespace
}  // namespace tollgate::metering

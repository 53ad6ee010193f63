#include "tollgate/server/cpu_limit.hpp"

#include <gtest/gtest.h>

namespace tollgate::server {
namespace {

TEST(CpuLimit, AQuotaRoundsUpToWholeCores) {
    EXPECT_EQ(cores_of_cpu_max("200000 100000\n"), 2u);
    EXPECT_EQ(cores_of_cpu_max("150000 100000"), 2u);
    EXPECT_EQ(cores_of_cpu_max("50000 100000"), 1u);
    EXPECT_EQ(cores_of_cpu_max("400000 100000"), 4u);
}

TEST(CpuLimit, NoQuotaOrGarbageIsNoLimit) {
    EXPECT_EQ(cores_of_cpu_max("max 100000\n"), std::nullopt);
    EXPECT_EQ(cores_of_cpu_max(""), std::nullopt);
    EXPECT_EQ(cores_of_cpu_max("100000"), std::nullopt);
    EXPECT_EQ(cores_of_cpu_max("1x 100000"), std::nullopt);
    EXPECT_EQ(cores_of_cpu_max("100000 0"), std::nullopt);
}

TEST(CpuLimit, ThisProcessMayUseAtLeastOneCore) {
    EXPECT_GE(usable_cores(), 1u);
}

}  // namespace
}  // namespace tollgate::server

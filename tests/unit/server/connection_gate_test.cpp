#include "tollgate/server/connection_gate.hpp"

#include <gtest/gtest.h>

namespace tollgate::server {
namespace {

address_key v4(std::uint8_t last) {
    address_key k{};
    k[10] = 0xff;
    k[11] = 0xff;
    k[12] = 10;
    k[15] = last;
    return k;
}

TEST(ConnectionGate, TheTotalCapRefusesUntilOneCloses) {
    connection_gate g(2, 0);
    EXPECT_EQ(g.admit(v4(1)), connection_gate::verdict::admitted);
    EXPECT_EQ(g.admit(v4(2)), connection_gate::verdict::admitted);
    EXPECT_EQ(g.admit(v4(3)), connection_gate::verdict::over_total);
    g.release(v4(1));
    EXPECT_EQ(g.admit(v4(3)), connection_gate::verdict::admitted);
    EXPECT_EQ(g.open(), 2u);
}

TEST(ConnectionGate, ThePerAddressCapLeavesOtherAddressesIn) {
    connection_gate g(0, 2);
    EXPECT_EQ(g.admit(v4(1)), connection_gate::verdict::admitted);
    EXPECT_EQ(g.admit(v4(1)), connection_gate::verdict::admitted);
    EXPECT_EQ(g.admit(v4(1)), connection_gate::verdict::over_address);
    EXPECT_EQ(g.admit(v4(2)), connection_gate::verdict::admitted);
    g.release(v4(1));
    EXPECT_EQ(g.admit(v4(1)), connection_gate::verdict::admitted);
    EXPECT_EQ(g.open(), 3u);
}

TEST(ConnectionGate, ARefusalCountsNothing) {
    connection_gate g(10, 1);
    EXPECT_EQ(g.admit(v4(1)), connection_gate::verdict::admitted);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(g.admit(v4(1)), connection_gate::verdict::over_address);
    }
    EXPECT_EQ(g.open(), 1u);
    g.release(v4(1));
    EXPECT_EQ(g.open(), 0u);
    EXPECT_EQ(g.admit(v4(1)), connection_gate::verdict::admitted);
}

}  // namespace
}  // namespace tollgate::server

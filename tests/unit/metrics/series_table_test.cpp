#include "tollgate/metrics/series_table.hpp"

#include <map>
#include <string>

#include <gtest/gtest.h>

namespace tollgate::metrics {
namespace {

TEST(SeriesTable, KeepsOneRowPerLabelSetInTheOrderSeen) {
    series_table<2, 1> t(8);
    t.at({"a", "x"}).values[0].add(2);
    t.at({"b", "x"}).values[0].add();
    t.at({"a", "x"}).values[0].add(3);
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].labels[0], "a");
    EXPECT_EQ(t[0].values[0].get(), 5u);
    EXPECT_EQ(t[1].labels[0], "b");
    EXPECT_EQ(t.overflow(), nullptr);
}

TEST(SeriesTable, LabelBoundariesAreKeptApart) {
    // "ab"+"c" and "a"+"bc" join to the same text; they are different label sets.
    series_table<2, 1> t(8);
    t.at({"ab", "c"}).values[0].add();
    t.at({"a", "bc"}).values[0].add();
    EXPECT_EQ(t.size(), 2u);
}

TEST(SeriesTable, FoldsNewLabelSetsPastTheCapacityIntoOther) {
    series_table<2, 1> t(2);
    for (int i = 0; i < 5; ++i) {
        t.at({"c", std::to_string(i)}).values[0].add(10);
    }
    t.at({"c", "0"}).values[0].add(1);  // a kept row still counts as itself
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].values[0].get(), 11u);
    ASSERT_NE(t.overflow(), nullptr);
    EXPECT_EQ(t.overflow()->labels[0], "other");
    EXPECT_EQ(t.overflow()->labels[1], "other");
    EXPECT_EQ(t.overflow()->values[0].get(), 30u);
}

TEST(SeriesTable, AnswersRunsAndAlternationsAlike) {
    // The last-row shortcut against the plain model: a map of label sets to counts.
    series_table<2, 1> t(3);
    std::map<std::pair<std::string, std::string>, std::uint64_t> model;
    const char* names[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 200; ++i) {
        const std::string c = names[(i * 7 / 3) % 5];
        const std::string m = names[(i / 4) % 2];
        t.at({c, m}).values[0].add();
        ++model[{c, m}];
    }
    std::uint64_t kept = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        EXPECT_EQ(t[i].values[0].get(), (model[{t[i].labels[0], t[i].labels[1]}]));
        kept += t[i].values[0].get();
    }
    ASSERT_NE(t.overflow(), nullptr);
    EXPECT_EQ(kept + t.overflow()->values[0].get(), 200u);
}

TEST(Histogram, BucketsByUpperBoundInclusive) {
    EXPECT_EQ(histogram::bucket_of(0), 0u);
    EXPECT_EQ(histogram::bucket_of(250), 0u);
    EXPECT_EQ(histogram::bucket_of(251), 1u);
    EXPECT_EQ(histogram::bucket_of(30'000'000), latency_bounds_us.size() - 1);
    EXPECT_EQ(histogram::bucket_of(30'000'001), latency_bounds_us.size());  // +Inf
    histogram h;
    h.observe(std::chrono::microseconds(-5));  // a clock step backwards counts as zero
    h.observe(std::chrono::microseconds(1'000));
    EXPECT_EQ(h.count_in(0), 1u);
    EXPECT_EQ(h.count_in(2), 1u);
    EXPECT_EQ(h.sum_us(), 1'000u);
}

TEST(Counter, AGaugeNeverGoesBelowZero) {
    counter c;
    c.add(2);
    c.sub(3);
    EXPECT_EQ(c.get(), 0u);
}

}  // namespace
}  // namespace tollgate::metrics

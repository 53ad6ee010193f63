// Numbers one thread writes and any thread may read: a worker counts its requests, the
// control thread sums every worker's at scrape time. One writer, so an increment is a relaxed
// load and store (a plain add: no lock, no atomic read-modify-write, no shared cache line
// between workers); a reader sees each value whole, perhaps a moment old.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tollgate::metrics {

class counter {
public:
    /// Writer thread only.
    void add(std::uint64_t n = 1) noexcept {
        value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    /// Writer thread only: a gauge going down (never below zero).
    void sub(std::uint64_t n = 1) noexcept {
        const std::uint64_t v = value_.load(std::memory_order_relaxed);
        value_.store(v > n ? v - n : 0, std::memory_order_relaxed);
    }
    /// Writer thread only: for a gauge, or a counter copied from a count kept elsewhere.
    void set(std::uint64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
    /// Any thread.
    std::uint64_t get() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

/// Bucket upper bounds (microseconds) of every latency histogram: 0.25 ms to 30 s, so a
/// gateway overhead of tens of microseconds and an upstream's 20-second first token both land
/// in a bucket of their own size.
inline constexpr std::array<std::uint64_t, 16> latency_bounds_us{250,
                                                                 500,
                                                                 1'000,
                                                                 2'500,
                                                                 5'000,
                                                                 10'000,
                                                                 25'000,
                                                                 50'000,
                                                                 100'000,
                                                                 250'000,
                                                                 500'000,
                                                                 1'000'000,
                                                                 2'500'000,
                                                                 5'000'000,
                                                                 10'000'000,
                                                                 30'000'000};

/// A latency histogram with latency_bounds_us: per-bucket counts (not cumulative; the exposition
/// sums them), the last bucket +Inf, and the sum in microseconds.
class histogram {
public:
    static constexpr std::size_t buckets = latency_bounds_us.size() + 1;

    /// Writer thread only. A negative duration counts as zero.
    void observe(std::chrono::microseconds d) noexcept {
        const std::uint64_t us = d.count() > 0 ? static_cast<std::uint64_t>(d.count()) : 0;
        counts_[bucket_of(us)].add();
        sum_us_.add(us);
    }
    /// Writer thread only: overwrites this histogram with `other`'s values (both on this
    /// thread), for one kept elsewhere and published here.
    void copy_from(const histogram& other) noexcept {
        for (std::size_t i = 0; i < buckets; ++i) {
            counts_[i].set(other.counts_[i].get());
        }
        sum_us_.set(other.sum_us_.get());
    }
    std::uint64_t count_in(std::size_t bucket) const noexcept { return counts_[bucket].get(); }
    std::uint64_t sum_us() const noexcept { return sum_us_.get(); }

    static std::size_t bucket_of(std::uint64_t us) noexcept {
        std::size_t i = 0;
        while (i < latency_bounds_us.size() && us > latency_bounds_us[i]) {
            ++i;
        }
        return i;
    }

private:
    std::array<counter, buckets> counts_;
    counter sum_us_;
};

}  // namespace tollgate::metrics

// Labelled series one thread writes and any thread may read: rows are appended, never moved
// or removed, and published by a release store of the row count, so a reader walks rows
// 0..size() without a lock while the writer adds more. The capacity is fixed at construction
// (metrics.max_series); past it every new label set is folded into one overflow row whose
// labels all read "other", so a client sending a thousand model names cannot grow the
// process or the scrape.
#pragma once

#include "tollgate/metrics/counter.hpp"

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tollgate::metrics {

template <std::size_t Labels, std::size_t Values>
class series_table {
public:
    using label_values = std::array<std::string_view, Labels>;
    struct row {
        std::array<std::string, Labels> labels;
        std::array<counter, Values> values;
    };

    explicit series_table(std::size_t capacity)
        : rows_(std::make_unique<row[]>(capacity)), capacity_(capacity) {
        overflow_.labels.fill("other");
    }

    /// Writer thread only: the row of these label values, added if new (or the overflow row
    /// when the table is full).
    row& at(const label_values& labels) {
        // Requests come in runs (one consumer, one model): the last row answers those without
        // hashing. Rows with equal labels are summed as one by the exposition, so even the
        // overflow row answering for a real "other" is the same series.
        if (last_ && same_labels(*last_, labels)) {
            return *last_;
        }
        last_ = &find_or_add(labels);
        return *last_;
    }

    // Any thread.
    std::size_t size() const noexcept { return size_.load(std::memory_order_acquire); }
    const row& operator[](std::size_t i) const noexcept { return rows_[i]; }
    /// The overflow row, when something was folded into it.
    const row* overflow() const noexcept {
        return overflow_used_.load(std::memory_order_acquire) ? &overflow_ : nullptr;
    }

private:
    static bool same_labels(const row& r, const label_values& labels) noexcept {
        for (std::size_t i = 0; i < Labels; ++i) {
            if (r.labels[i] != labels[i]) {
                return false;
            }
        }
        return true;
    }

    row& find_or_add(const label_values& labels) {
        key_.clear();
        for (const auto l : labels) {
            key_.append(l);
            key_.push_back('\0');  // a separator no label value contains
        }
        if (const auto it = index_.find(key_); it != index_.end()) {
            return rows_[it->second];
        }
        const std::size_t n = size_.load(std::memory_order_relaxed);
        if (n == capacity_) {
            overflow_used_.store(true, std::memory_order_release);
            return overflow_;
        }
        row& r = rows_[n];
        for (std::size_t i = 0; i < Labels; ++i) {
            r.labels[i].assign(labels[i]);
        }
        index_.emplace(key_, n);
        size_.store(n + 1, std::memory_order_release);  // the labels are written before
        return r;
    }

    struct key_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::unique_ptr<row[]> rows_;
    std::size_t capacity_;
    std::atomic<std::size_t> size_{0};
    row overflow_;
    std::atomic<bool> overflow_used_{false};
    // Writer thread only.
    std::unordered_map<std::string, std::size_t, key_hash, std::equal_to<>> index_;
    std::string key_;
    row* last_ = nullptr;
};

}  // namespace tollgate::metrics

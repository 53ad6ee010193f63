// The Prometheus text exposition (format 0.0.4) of every worker's metrics, summed at scrape
// time on the control thread. Pure: reads the workers' single-writer counters, writes text.
#pragma once

#include "tollgate/metrics/worker_metrics.hpp"

#include <span>
#include <string>
#include <string_view>

namespace tollgate::metrics {

struct process_facts {
    std::string_view version;
    std::string_view store_kind;    // memory | redis
    double start_time_seconds = 0;  // Unix time the process started
};

/// The scrape's body: every family with its HELP and TYPE lines, label sets summed over
/// `workers` and ordered, so two scrapes list series in the same order.
std::string render(std::span<const worker_metrics* const> workers, const process_facts& facts);

/// `v` as a label value: backslash, double quote and newline escaped.
void append_label_value(std::string& out, std::string_view v);

}  // namespace tollgate::metrics

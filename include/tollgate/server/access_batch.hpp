// access_batch: a worker's pending access-log lines, each with its UTC timestamp, handed to
// the log thread in batches so that a request does not wake another thread. Worker-local.
#pragma once

#include "tollgate/config/config.hpp"
#include "tollgate/server/access_log.hpp"

#include <chrono>
#include <ctime>
#include <string>

namespace tollgate::server {

class access_batch {
public:
    /// Appends one line (text: "<time> access <record>", json: {"time":...,<record>}).
    void add(const access_record& r,
             config::log_format format,
             std::chrono::system_clock::time_point now);

    bool empty() const noexcept { return text_.empty(); }
    std::size_t bytes() const noexcept { return text_.size(); }

    /// The pending lines, each ending in a newline; leaves the batch empty.
    std::string take();

private:
    void append_time(std::chrono::system_clock::time_point now);

    std::string text_;
    std::time_t cached_second_ = -1;
    char cached_prefix_[24] = {};  // "YYYY-MM-DDTHH:MM:SS" of cached_second_
};

}  // namespace tollgate::server

#include "tollgate/metrics/worker_metrics.hpp"

#include <algorithm>

namespace tollgate::metrics {

std::string_view name_of(admission a) noexcept {
    switch (a) {
        case admission::none:
            return "none";
        case admission::admitted:
            return "admitted";
        case admission::clamped:
            return "clamped";
        case admission::quota_exceeded:
            return "quota_exceeded";
        case admission::store_unavailable:
            return "store_unavailable";
        case admission::refused:
            return "refused";
    }
    return "none";
}

std::string_view status_class(unsigned status) noexcept {
    static constexpr std::array<std::string_view, 5> names{"1xx", "2xx", "3xx", "4xx", "5xx"};
    if (status < 100 || status > 599) {
        return "other";
    }
    return names[status / 100 - 1];
}

namespace {

void add_known(counter& c, std::int64_t v) noexcept {
    if (v > 0) {
        c.add(static_cast<std::uint64_t>(v));
    }
}

}  // namespace

void worker_metrics::record(const request_sample& s) {
    const auto or_none = [](std::string_view v) {
        return v.empty() ? std::string_view("none") : v;
    };
    requests.at({or_none(s.route), status_class(s.status), or_none(s.upstream)}).values[0].add();
    if (s.admitted != admission::none) {
        admissions[static_cast<std::size_t>(s.admitted)].add();
    }
    if (s.prompt_tokens >= 0 || s.completion_tokens >= 0) {
        auto& row = usage.at({s.consumer, s.model});
        add_known(row.values[prompt], s.prompt_tokens);
        add_known(row.values[completion], s.completion_tokens);
        add_known(row.values[cached], s.cached_tokens);
        add_known(row.values[reasoning], s.reasoning_tokens);
        add_known(row.values[cost_pico_usd], s.cost_pico_usd);
    }
    request_duration.observe(s.latency);
    gateway_duration.observe(s.latency - std::min(s.upstream_time, s.latency));
    if (s.upstream_ttfb.count() >= 0) {
        upstream_ttfb.observe(s.upstream_ttfb);
    }
}

}  // namespace tollgate::metrics

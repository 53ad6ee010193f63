#include "tollgate/metering/admission.hpp"

#include <algorithm>

namespace tollgate::metering {

void set_completion_limit(std::string& body,
                          std::string_view raw_value,
                          std::string_view field,
                          std::int64_t value) {
    const std::string text = std::to_string(value);
    if (!raw_value.empty() && raw_value.data() >= body.data() &&
        raw_value.data() + raw_value.size() <= body.data() + body.size()) {
        body.replace(
            static_cast<std::size_t>(raw_value.data() - body.data()), raw_value.size(), text);
        return;
    }
    const auto brace = body.find('{');
    if (brace == std::string::npos) {
        return;
    }
    const auto next = body.find_first_not_of(" \t\r\n", brace + 1);
    const bool empty = next != std::string::npos && body[next] == '}';
    body.insert(brace + 1, "\"" + std::string(field) + "\":" + text + (empty ? "" : ","));
}

std::string format_reset(std::int64_t seconds) {
    seconds = std::max<std::int64_t>(seconds, 0);
    const std::int64_t h = seconds / 3600;
    const std::int64_t m = seconds / 60 % 60;
    const std::int64_t s = seconds % 60;
    std::string out;
    if (h > 0) {
        out += std::to_string(h) + "h";
    }
    if (h > 0 || m > 0) {
        out += std::to_string(m) + "m";
    }
    return out + std::to_string(s) + "s";
}

std::vector<header> ratelimit_headers(std::span<const config::limit> limits,
                                      std::span<const quota::bucket> buckets,
                                      std::span<const std::int64_t> resets_at,
                                      std::int64_t now) {
    std::vector<header> out;
    const auto tightest = [&](config::metric m, const char* suffix) {
        std::optional<std::size_t> best;
        std::int64_t best_left = 0;
        for (std::size_t i = 0; i < limits.size() && i < buckets.size() && i < resets_at.size();
             ++i) {
            if (limits[i].what != m) {
                continue;
            }
            const std::int64_t left = std::max<std::int64_t>(
                0, quota::ceiling_of(limits[i]) - buckets[i].used - buckets[i].reserved);
            if (!best || left < best_left) {
                best = i;
                best_left = left;
            }
        }
        if (best) {
            out.push_back({std::string("x-ratelimit-limit-") + suffix,
                           std::to_string(quota::ceiling_of(limits[*best]))});
            out.push_back(
                {std::string("x-ratelimit-remaining-") + suffix, std::to_string(best_left)});
            out.push_back(
                {std::string("x-ratelimit-reset-") + suffix, format_reset(resets_at[*best] - now)});
        }
    };
    tightest(config::metric::tokens, "tokens");
    tightest(config::metric::requests, "requests");
    return out;
}

}  // namespace tollgate::metering

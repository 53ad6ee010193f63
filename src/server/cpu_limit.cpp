#include "tollgate/server/cpu_limit.hpp"

#include <charconv>
#include <fstream>
#include <sched.h>
#include <string>
#include <thread>

namespace tollgate::server {

std::optional<unsigned> cores_of_cpu_max(std::string_view line) noexcept {
    const auto space = line.find(' ');
    if (space == std::string_view::npos) {
        return std::nullopt;
    }
    const auto quota_text = line.substr(0, space);
    auto period_text = line.substr(space + 1);
    while (!period_text.empty() && (period_text.back() == '\n' || period_text.back() == ' ')) {
        period_text.remove_suffix(1);
    }
    unsigned long long quota = 0;
    unsigned long long period = 0;
    const auto q = std::from_chars(quota_text.data(), quota_text.data() + quota_text.size(), quota);
    const auto p =
        std::from_chars(period_text.data(), period_text.data() + period_text.size(), period);
    if (q.ec != std::errc() || q.ptr != quota_text.data() + quota_text.size() ||
        p.ec != std::errc() || p.ptr != period_text.data() + period_text.size() || period == 0 ||
        quota == 0) {
        return std::nullopt;  // "max", or nothing we can read: no quota
    }
    return static_cast<unsigned>((quota + period - 1) / period);  // 1.5 CPUs: 2 workers
}

unsigned usable_cores() {
    unsigned cores = std::thread::hardware_concurrency();
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) {
            cores = static_cast<unsigned>(n);
        }
    }
    std::ifstream in("/sys/fs/cgroup/cpu.max");
    std::string line;
    if (in && std::getline(in, line)) {
        if (const auto quota = cores_of_cpu_max(line); quota && *quota < cores) {
            cores = *quota;
        }
    }
    return cores > 0 ? cores : 1;
}

}  // namespace tollgate::server

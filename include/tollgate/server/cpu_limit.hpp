// How many cores this process may use: the CPUs it may run on (sched_getaffinity, which
// `docker run --cpuset-cpus` and taskset set), capped by a cgroup v2 CPU quota (cpu.max,
// which `docker run --cpus` and Kubernetes limits set): server.threads: 0 runs one worker
// per core it can actually use, not per core of the host.
#pragma once

#include <optional>
#include <string_view>

namespace tollgate::server {

/// The cores a cgroup v2 "cpu.max" line allows ("200000 100000" -> 2, "150000 100000" -> 2,
/// "max 100000" -> nullopt: no quota). Pure.
std::optional<unsigned> cores_of_cpu_max(std::string_view line) noexcept;

/// The cores this process may use now: at least 1.
unsigned usable_cores();

}  // namespace tollgate::server

// The limits in effect for the calling process, read from inside it: the cgroup it
// is in (/proc/self/cgroup) and the tightest CPU quota and memory limit on the way up
// to its hierarchy's root. Standard library only: the worker links this too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace orch {

struct ProcessLimits {
  int cgroup_version = 0;  // 0: no cgroup hierarchy found
  std::string cgroup_path;  // memory controller's (v1) or the unified (v2) path
  std::optional<double> cpu_quota_percent;   // nullopt: no quota
  std::string cpuset_cpus;                   // "" when unknown
  std::optional<int64_t> memory_limit_bytes;  // nullopt: unlimited
};

ProcessLimits probe_own_limits();

}  // namespace orch

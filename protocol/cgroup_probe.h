// The limits in effect for the calling process, read from inside it: the cgroup it
// is in (/proc/self/cgroup) and the tightest CPU quota and memory limit on the way up
// to its hierarchy's root. Standard library only: the worker links this too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace protocol {

// As the report carries it (runtime.cgroup).
struct LimitsInEffect {
  int version = 0;                            // 0: no cgroup hierarchy found
  std::string path;                           // memory controller's (v1) or the unified (v2) path
  std::string cpus;                           // the cpuset's effective CPUs; "" when unknown
  std::optional<double> cpu_quota_percent;    // the tightest on the way up; nullopt: no quota
  std::optional<int64_t> memory_limit_bytes;  // the tightest on the way up; nullopt: unlimited
};

LimitsInEffect probe_own_limits();
// The same from a process's /proc/<pid>/cgroup and /proc/<pid>/mounts texts, reading
// the hierarchies where those mounts say they are (a test's fake tree).
LimitsInEffect probe_limits(const std::string& self_cgroup_text, const std::string& mounts_text);

}  // namespace protocol

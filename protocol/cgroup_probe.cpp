// Reads the calling process's own limits (see cgroup_probe.h).
#include "protocol/cgroup_probe.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>

#include "protocol/cgroup_reading.h"

namespace protocol {
namespace {

namespace fs = std::filesystem;
namespace files = protocol::cgroupfs;

constexpr int64_t kUnlimitedAbove = int64_t(1) << 60;

// The folder of `path` under `mount`; inside a container only the group itself is
// mounted, at the mount point.
std::string group_dir(const std::string& mount, const std::string& path) {
  const std::string nested = mount + (path == "/" ? "" : path);
  std::error_code ec;  // an unprivileged worker may not see into the folder: never throw
  return fs::is_directory(nested, ec) ? nested : mount;
}

// The smallest value `read` finds from `dir` up to `mount`.
template <typename T>
std::optional<T> tightest(std::string dir, const std::string& mount,
                          const std::function<std::optional<T>(const std::string&)>& read) {
  std::optional<T> best;
  while (true) {
    auto value = read(dir);
    if (value && (!best || *value < *best)) best = value;
    if (dir.size() <= mount.size()) return best;
    dir = fs::path(dir).parent_path().string();
  }
}

std::optional<double> v1_quota(const std::string& dir) {
  auto quota = files::read_int(dir + "/cpu.cfs_quota_us");
  auto period = files::read_int(dir + "/cpu.cfs_period_us");
  if (!quota || !period || *quota <= 0 || *period <= 0) return std::nullopt;
  return 100.0 * *quota / *period;
}

std::optional<int64_t> v1_memory(const std::string& dir) {
  auto limit = files::read_int(dir + "/memory.limit_in_bytes");
  if (!limit || *limit >= kUnlimitedAbove) return std::nullopt;
  return limit;
}

std::optional<double> v2_quota(const std::string& dir) {
  std::istringstream cpu_max(files::read(dir + "/cpu.max").value_or("max"));
  std::string quota;
  double period = 0;
  cpu_max >> quota >> period;
  if (quota == "max" || quota.empty() || period <= 0) return std::nullopt;
  return 100.0 * std::stod(quota) / period;
}

std::optional<int64_t> v2_memory(const std::string& dir) {
  auto limit = files::read(dir + "/memory.max");
  if (!limit || limit->empty() || *limit == "max") return std::nullopt;
  return std::stoll(*limit);
}

}  // namespace

LimitsInEffect probe_own_limits() {
  return probe_limits(files::read("/proc/self/cgroup").value_or(""), files::read("/proc/self/mounts").value_or(""));
}

LimitsInEffect probe_limits(const std::string& self, const std::string& mounts_text) {
  LimitsInEffect limits;
  const files::CgroupMounts mounts = files::cgroup_mounts(mounts_text);
  std::map<std::string, std::string> v1_mount = mounts.v1;
  const std::string v2_mount = mounts.v2.empty() ? "" : mounts.v2.back();
  auto memory_path = files::own_path(self, "memory");
  if (v1_mount.count("memory") && memory_path) {
    limits.version = 1;
    limits.path = *memory_path;
    const std::string memory_dir = group_dir(v1_mount["memory"], *memory_path);
    limits.memory_limit_bytes = tightest<int64_t>(memory_dir, v1_mount["memory"], v1_memory);
    if (auto cpu_path = files::own_path(self, "cpu"); cpu_path && v1_mount.count("cpu"))
      limits.cpu_quota_percent = tightest<double>(group_dir(v1_mount["cpu"], *cpu_path), v1_mount["cpu"], v1_quota);
    if (auto cpuset_path = files::own_path(self, "cpuset"); cpuset_path && v1_mount.count("cpuset"))
      limits.cpus =
          files::read(group_dir(v1_mount["cpuset"], *cpuset_path) + "/cpuset.effective_cpus")
              .value_or(files::read(group_dir(v1_mount["cpuset"], *cpuset_path) + "/cpuset.cpus").value_or(""));
    return limits;
  }
  auto unified_path = files::own_path(self, "");
  if (!v2_mount.empty() && unified_path) {
    limits.version = 2;
    limits.path = *unified_path;
    const std::string dir = group_dir(v2_mount, *unified_path);
    limits.memory_limit_bytes = tightest<int64_t>(dir, v2_mount, v2_memory);
    limits.cpu_quota_percent = tightest<double>(dir, v2_mount, v2_quota);
    limits.cpus = files::read(dir + "/cpuset.cpus.effective").value_or("");
  }
  return limits;
}

}  // namespace protocol

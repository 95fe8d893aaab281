// Reading cgroupfs files: the orchestrator reads its run groups with these, and the
// worker its own limits (cgroup_probe.h). Standard library only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace protocol::cgroupfs {

std::optional<std::string> read(const std::string& path);  // trimmed; nullopt if unreadable
std::optional<int64_t> read_int(const std::string& path);
// "key value" lines (cpu.stat, memory.events, memory.oom_control).
std::optional<int64_t> read_key(const std::string& path, const std::string& key);
// The cgroup hierarchies in /proc/<pid>/mounts text: each v1 controller's mount
// point (co-mounted controllers share one), and the unified (v2) mount point.
struct CgroupMounts {
  std::map<std::string, std::string> v1;  // controller -> mount point
  std::vector<std::string> v2;            // cgroup2 mount points, in mount order
};
CgroupMounts cgroup_mounts(const std::string& mounts_text);

// The path a process is in for a controller ("" for v2's unified line), from /proc/<pid>/cgroup text.
std::optional<std::string> own_path(const std::string& self_cgroup_text, const std::string& controller);

}  // namespace protocol::cgroupfs

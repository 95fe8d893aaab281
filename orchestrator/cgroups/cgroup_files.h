// Small file operations on cgroupfs shared by the v1 and v2 backends.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace orch::cgroup_files {

std::optional<std::string> read(const std::string& path);  // trimmed; nullopt if unreadable
std::optional<int64_t> read_int(const std::string& path);
// "key value" lines (cpu.stat, memory.events, memory.oom_control).
std::optional<int64_t> read_key(const std::string& path, const std::string& key);
void write(const std::string& path, const std::string& value);  // throws CgroupError
bool exists(const std::string& path);
void make_dir(const std::string& path);  // throws CgroupError; an existing folder is fine
// Kills every pid listed in procs_file until it is empty or ~2 s passed.
void kill_tasks(const std::string& procs_file);
// rmdir, retried briefly while the kernel still counts exiting tasks; false if it stayed.
bool remove_dir(const std::string& path);
// The path a process is in for a controller ("" for v2's unified line), from /proc/<pid>/cgroup text.
std::optional<std::string> own_path(const std::string& self_cgroup_text, const std::string& controller);

}  // namespace orch::cgroup_files

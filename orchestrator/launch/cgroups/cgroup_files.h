// Small file operations on cgroupfs shared by the v1 and v2 backends: the reading
// ones of the shared part (protocol/cgroup_reading.h), and those that write.
#pragma once

#include <string>
#include <vector>

#include "protocol/cgroup_reading.h"

namespace orch::cgroup_files {

using protocol::cgroupfs::cgroup_mounts;
using protocol::cgroupfs::own_path;
using protocol::cgroupfs::read;
using protocol::cgroupfs::read_int;
using protocol::cgroupfs::read_key;

void write(const std::string& path, const std::string& value);  // throws CgroupError
bool exists(const std::string& path);
// The controllers `dir`'s children can have: the words of its cgroup.controllers.
std::vector<std::string> controllers(const std::string& dir);
// Under a v2 hierarchy, the cgroup of this user's systemd manager
// (/user.slice/user-UID.slice/user@UID.service): what it may delegate is its controllers.
std::string user_manager_dir(const std::string& hierarchy);
void make_dir(const std::string& path);  // throws CgroupError; an existing folder is fine
// Kills every pid listed in procs_file until it is empty or ~2 s passed.
void kill_tasks(const std::string& procs_file);
// rmdir, retried briefly while the kernel still counts exiting tasks; false if it stayed.
bool remove_dir(const std::string& path);

}  // namespace orch::cgroup_files

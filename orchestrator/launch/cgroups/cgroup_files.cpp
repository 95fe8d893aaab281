// cgroupfs file helpers that write, and those about a group's controllers (see cgroup_files.h).
#include "launch/cgroups/cgroup_files.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "launch/cgroups/cgroup.h"

namespace orch::cgroup_files {

void write(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value;
  out.flush();
  if (!out) throw CgroupError("cannot write '" + value + "' to " + path + ": " + std::strerror(errno));
}

bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

std::vector<std::string> controllers(const std::string& dir) {
  std::istringstream listed(read(dir + "/cgroup.controllers").value_or(""));
  return {std::istream_iterator<std::string>(listed), {}};
}

std::string user_manager_dir(const std::string& hierarchy) {
  const std::string uid = std::to_string(geteuid());
  return hierarchy + "/user.slice/user-" + uid + ".slice/user@" + uid + ".service";
}

void make_dir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    throw CgroupError("cannot create cgroup " + path + ": " + std::strerror(errno));
  ::chmod(path.c_str(), 0755);  // whatever the umask: a worker of another user reads its limits here
}

void kill_tasks(const std::string& procs_file) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < give_up) {
    std::ifstream in(procs_file);
    pid_t pid = 0;
    bool any = false;
    while (in >> pid) {
      any = true;
      ::kill(pid, SIGKILL);
    }
    if (!any) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool remove_dir(const std::string& path) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (rmdir(path.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace orch::cgroup_files

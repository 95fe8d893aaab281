// cgroupfs file helpers (see cgroup_files.h).
#include "cgroups/cgroup_files.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cgroups/cgroup.h"

namespace orch::cgroup_files {

std::optional<std::string> read(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
  return value;
}

std::optional<int64_t> read_int(const std::string& path) {
  auto text = read(path);
  if (!text || text->empty()) return std::nullopt;
  try {
    return std::stoll(*text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<int64_t> read_key(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string name;
  int64_t value = 0;
  while (in >> name >> value)
    if (name == key) return value;
  return std::nullopt;
}

void write(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value;
  out.flush();
  if (!out) throw CgroupError("cannot write '" + value + "' to " + path + ": " + std::strerror(errno));
}

bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

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

std::optional<std::string> own_path(const std::string& self_cgroup_text, const std::string& controller) {
  std::istringstream lines(self_cgroup_text);
  std::string line;
  while (std::getline(lines, line)) {
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::stringstream controllers(line.substr(first + 1, second - first - 1));
    std::string name;
    if (controller.empty() && second == first + 1) return line.substr(second + 1);
    while (std::getline(controllers, name, ','))
      if (name == controller) return line.substr(second + 1);
  }
  return std::nullopt;
}

}  // namespace orch::cgroup_files

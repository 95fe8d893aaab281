// Reading cgroupfs files (see cgroup_reading.h).
#include "protocol/cgroup_reading.h"

#include <fstream>
#include <sstream>

namespace protocol::cgroupfs {

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

CgroupMounts cgroup_mounts(const std::string& mounts_text) {
  CgroupMounts found;
  std::istringstream mounts(mounts_text);
  std::string device, mount_point, type, options;
  while (mounts >> device >> mount_point >> type >> options) {
    mounts.ignore(1024, '\n');
    if (type == "cgroup2") found.v2.push_back(mount_point);
    if (type != "cgroup") continue;
    std::stringstream list(options);
    std::string option;
    while (std::getline(list, option, ',')) found.v1[option] = mount_point;
  }
  return found;
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

}  // namespace protocol::cgroupfs

// Reads this machine's facts from the kernel (see system_info.h).
#include "common/system_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "common/cpu_list.h"
#include "protocol/cpu_affinity.h"

namespace orch {
namespace {

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      return colon == std::string::npos ? "" : line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "";
}

// MemTotal, in MiB.
int64_t memory_mib() {
  std::ifstream in("/proc/meminfo");
  std::string name;
  int64_t kib = 0;
  while (in >> name >> kib) {
    if (name == "MemTotal:") return kib / 1024;
    in.ignore(1 << 10, '\n');
  }
  return 0;
}

}  // namespace

SystemInfo collect_system_info() {
  SystemInfo info;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0) info.hostname = host;
  struct utsname names {};
  if (uname(&names) == 0) info.kernel = names.release;
  info.cpu_model = cpu_model();
  try {
    info.online_cpus = parse_cpu_list(first_line("/sys/devices/system/cpu/online"));
  } catch (const std::invalid_argument&) {
    for (long cpu = 0; cpu < sysconf(_SC_NPROCESSORS_ONLN); ++cpu) info.online_cpus.push_back(cpu);
  }
  info.allowed_cpus = protocol::own_affinity();
  try {
    info.threads_per_core = static_cast<int>(
        parse_cpu_list(first_line("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list")).size());
  } catch (const std::invalid_argument&) {
  }
  const std::string boost = first_line("/sys/devices/system/cpu/cpufreq/boost");
  const std::string no_turbo = first_line("/sys/devices/system/cpu/intel_pstate/no_turbo");
  if (!boost.empty())
    info.boost = boost == "1" ? "on" : "off";
  else if (!no_turbo.empty())
    info.boost = no_turbo == "1" ? "off" : "on";
  info.memory_mib = memory_mib();
  return info;
}

}  // namespace orch

// Interference beside a run (see interference.h).
#include "measure/interference.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/clock.h"
#include "common/text.h"

namespace orch {

CpuTime read_cpu_time(const std::vector<int>& cpus) {
  std::ifstream stat("/proc/stat");
  CpuTime sum;
  for (std::string line; std::getline(stat, line);) {
    if (line.rfind("cpu", 0) != 0) continue;
    std::istringstream fields(line);
    std::string label;
    long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    fields >> label >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
    const bool all = label == "cpu";
    if (all != cpus.empty()) continue;
    if (!all) {
      const int cpu = std::atoi(label.c_str() + 3);
      if (std::find(cpus.begin(), cpus.end(), cpu) == cpus.end()) continue;
    }
    sum.busy += user + nice + system + irq + softirq;
    sum.steal += steal;
    sum.total += user + nice + system + idle + iowait + irq + softirq + steal;
  }
  return sum;
}

MachineSnapshot take_machine_snapshot(const std::vector<int>& cpus) {
  MachineSnapshot snapshot;
  snapshot.monotonic_ns = monotonic_ns();
  snapshot.cpus = cpus;
  snapshot.time = read_cpu_time(cpus);
  std::ifstream pressure("/proc/pressure/cpu");
  for (std::string word; pressure >> word;)
    if (word.rfind("total=", 0) == 0) {
      snapshot.cpu_pressure_us = std::atoll(word.c_str() + 6);  // the first line's: "some"
      break;
    }
  std::ifstream stat("/proc/stat");
  for (std::string key; stat >> key;)
    if (key == "procs_running") {
      stat >> snapshot.procs_running;
      break;
    }
  return snapshot;
}

double orchestrator_cpu_ms() {
  double ms = 0;
  for (const int who : {RUSAGE_SELF, RUSAGE_CHILDREN}) {
    struct rusage usage {};
    if (::getrusage(who, &usage) != 0) continue;
    for (const timeval& time : {usage.ru_utime, usage.ru_stime})
      ms += static_cast<double>(time.tv_sec) * 1e3 + static_cast<double>(time.tv_usec) / 1e3;
  }
  return ms;
}

Interference interference_between(const MachineSnapshot& before, const MachineSnapshot& after, double own_cpu_ms) {
  Interference result;
  result.cpus =
      before.cpus.empty() ? static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)) : static_cast<int>(before.cpus.size());
  const double wall_ms = static_cast<double>(after.monotonic_ns - before.monotonic_ns) / 1e6;
  const double tick_ms = 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double capacity_ms = wall_ms * result.cpus;
  if (capacity_ms > 0) {
    const double busy_ms = static_cast<double>(after.time.busy - before.time.busy) * tick_ms;
    result.others_cpu_share = std::clamp((busy_ms - own_cpu_ms) / capacity_ms, 0.0, 1.0);
    result.steal_share =
        std::clamp(static_cast<double>(after.time.steal - before.time.steal) * tick_ms / capacity_ms, 0.0, 1.0);
  }
  if (before.cpu_pressure_us && after.cpu_pressure_us && wall_ms > 0)
    result.cpu_pressure_share =
        std::clamp(static_cast<double>(*after.cpu_pressure_us - *before.cpu_pressure_us) / 1e3 / wall_ms, 0.0, 1.0);
  result.runnable_others = std::max(0.0, (before.procs_running + after.procs_running) / 2.0 - 1);
  return result;
}

std::string describe_interference(const Interference& interference) {
  std::string text = "others used " + format_number(interference.others_cpu_share * interference.cpus, 2) +
                     " CPU of its " + std::to_string(interference.cpus) + " (" +
                     format_number(interference.others_cpu_share * 100, 0) + "%)";
  if (interference.steal_share > 0.005)
    text += ", the hypervisor stole " + format_number(interference.steal_share * 100, 0) + "%";
  return text;
}

}  // namespace orch

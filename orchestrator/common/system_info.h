// Facts about this machine: used to validate a matrix (which CPUs exist) and stored
// with every experiment as its context.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace orch {

struct SystemInfo {
  std::string hostname;
  std::string kernel;                  // uname -r
  std::string cpu_model;               // /proc/cpuinfo "model name"
  std::vector<int> online_cpus;        // /sys/devices/system/cpu/online
  std::vector<int> allowed_cpus;       // this process's affinity: the most a child can get
  int threads_per_core = 0;            // SMT: CPUs in cpu0's thread_siblings_list; 0 if unknown
  std::string boost;                   // "on"/"off" from cpufreq/boost or intel_pstate/no_turbo; "" if unknown
  int64_t memory_mib = 0;              // /proc/meminfo MemTotal; 0 if unknown
  std::string where = "this machine";  // how a refusal names it (a Slurm partition's smallest node)
  // validate/run --slurm: a memory limit above this is refused (the partition's
  // smallest node's memory). 0: not checked -- here a limit above the machine's
  // memory is the kernel's to accept, and only limits nothing.
  int64_t refuse_memory_above_mib = 0;
};

SystemInfo collect_system_info();

}  // namespace orch

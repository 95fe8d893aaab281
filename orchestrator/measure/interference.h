// What other work did beside one run, read from the machine at the run's start and end
// (issue 13): the CPU time others used on the run's CPUs, steal time, CPU pressure
// (PSI, where /proc/pressure exists) and the other runnable tasks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace orch {

// `interference`: other processes (or the hypervisor, as steal) took more than this
// share of the run's CPUs' time. Below it, what others did is within what a quiet
// shared machine shows (the orchestrator's own bookkeeping, kernel threads: 1-3% here).
inline constexpr double kMaxInterferenceShare = 0.10;

// /proc/stat's time of some CPUs, in clock ticks.
struct CpuTime {
  long long busy = 0;   // user, nice, system, irq, softirq: steal not included
  long long steal = 0;  // taken by the hypervisor for other guests
  long long total = 0;  // all of it, idle and iowait included
};
// The sum over `cpus` (all CPUs when empty) of /proc/stat's per-CPU lines.
CpuTime read_cpu_time(const std::vector<int>& cpus = {});

// The machine at one moment, for interference_between.
struct MachineSnapshot {
  int64_t monotonic_ns = 0;
  std::vector<int> cpus;  // those read; empty: all
  CpuTime time;
  std::optional<long long> cpu_pressure_us;  // /proc/pressure/cpu "some" total
  int procs_running = 0;                     // /proc/stat, the reader included
};
MachineSnapshot take_machine_snapshot(const std::vector<int>& cpus);
// The CPU time (ms) of this process and of its children that were reaped: the
// orchestrator's own work, and that of its helpers (ldd, docker's client, ...).
double orchestrator_cpu_ms();

struct Interference {
  int cpus = 0;                              // how many CPUs the run could use
  double others_cpu_share = 0;               // of those CPUs' time, used by other processes
  double steal_share = 0;                    // of those CPUs' time, stolen by the hypervisor
  std::optional<double> cpu_pressure_share;  // of the wall time some task waited for a CPU (host-wide)
  double runnable_others = 0;                // other runnable tasks, the mean of the start and the end
};
// Between two snapshots of the same CPUs around a run whose own processes used
// `own_cpu_ms` of CPU time.
Interference interference_between(const MachineSnapshot& before, const MachineSnapshot& after, double own_cpu_ms);

// "others used 0.61 CPU of its 2 (31%)", with steal when there was some: the figure
// behind an `interference` warning.
std::string describe_interference(const Interference& interference);

}  // namespace orch

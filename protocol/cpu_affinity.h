// The CPUs the calling process may run on (sched_getaffinity). Header-only: the
// orchestrator (the most a child can get) and the worker (what it got) both read it.
#pragma once

#include <sched.h>

#include <vector>

namespace protocol {

inline std::vector<int> own_affinity() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

}  // namespace protocol

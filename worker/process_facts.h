// What the worker process can observe about itself without LibTorch: the CPUs it may
// run on, its thread-related environment, the BLAS library actually mapped, its threads.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace worker {

std::vector<int> allowed_cpus();              // sched_getaffinity
int online_cpu_count();                       // sysconf(_SC_NPROCESSORS_ONLN)
std::map<std::string, std::string> thread_env();  // see thread_env.h
std::vector<std::string> mapped_blas_libraries();  // from /proc/self/maps
int thread_count();                           // entries of /proc/self/task

// getrusage(RUSAGE_SELF), for launchers whose child is not the worker (docker).
struct SelfUsage {
  double user_cpu_ms = 0;
  double sys_cpu_ms = 0;
  long max_rss_kib = 0;
  long minor_faults = 0;
  long major_faults = 0;
  long voluntary_ctx_switches = 0;
  long involuntary_ctx_switches = 0;
};
SelfUsage self_usage();

}  // namespace worker

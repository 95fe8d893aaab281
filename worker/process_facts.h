// What the worker process can observe about itself without LibTorch: the CPUs it may
// run on, its thread-related environment, the BLAS library actually mapped, its threads.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "protocol/resource_usage.h"

namespace worker {

int online_cpu_count();                            // sysconf(_SC_NPROCESSORS_ONLN)
std::map<std::string, std::string> thread_env();   // see thread_env.h
std::vector<std::string> mapped_files();           // file-backed mappings in /proc/self/maps, resolved
std::vector<std::string> mapped_blas_libraries();  // those of mapped_files() that are a BLAS
int thread_count();                                // entries of /proc/self/task

// getrusage(RUSAGE_SELF), for launchers whose child is not the worker (docker).
protocol::ResourceUsage self_usage();

}  // namespace worker

// The worker's JSON report (schemas/worker-result.schema.json) as the orchestrator
// reads it. Any program that writes this document can be a worker, so it is
// untrusted input: every number is checked against its range and against what the
// orchestrator knows of the run, every string is capped, and no error message
// quotes the document's bytes.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "orchestrator/run/supervisor.h"

namespace orch {

struct WorkerPhase {
  std::string name;
  double start_ms = 0;  // from the spawn timestamp the orchestrator handed over
  double duration_ms = 0;
};

// What the worker saw in effect inside its own process.
struct WorkerRuntime {
  std::string torch_version;
  bool mkldnn = false;
  bool mkl = false;
  bool openmp = false;
  int intra_op_threads = 0;
  int inter_op_threads = 0;
  std::string parallel_info;
  std::string device_name;  // on a GPU: which one, and the driver
  std::vector<int> allowed_cpus;
  int online_cpus = 0;
  std::map<std::string, std::string> thread_env;
  std::vector<std::string> blas_libraries;
  int threads_observed = 0;
  int pid = 0;  // as the worker saw itself (1 or 2 in a fresh PID namespace)
  int uid = -1;  // the user it ran as; -1 when it did not say
  // Its own cgroup and the tightest limits above it, read from inside.
  struct Cgroup {
    int version = 0;
    std::string path;
    std::string cpus;
    std::optional<double> cpu_quota_percent;
    std::optional<int64_t> memory_limit_bytes;
  } cgroup;
  std::optional<ResourceUsage> self_usage;  // getrusage(RUSAGE_SELF) at the end of the run
};

struct WorkerReport {
  bool ok = false;
  std::string error;         // when !ok
  std::string failed_phase;  // when !ok
  std::vector<WorkerPhase> phases;
  std::vector<double> samples_ms;         // host monotonic clock, one per timed iteration
  std::vector<double> device_samples_ms;  // the same iterations by CUDA events; empty on the CPU
  WorkerRuntime runtime;
};

struct ProtocolError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What the orchestrator knows that a report must agree with.
struct ReportExpectations {
  int iterations = 0;  // an ok report has this many samples (and device samples); 0: not checked
  // From the spawn timestamp handed to the worker to its reap, on the same clock: no
  // phase can end later, and no iteration can take longer.
  double elapsed_ms = std::numeric_limits<double>::infinity();
};

// The largest report worth reading for a run of `iterations` timed iterations.
size_t max_report_bytes(int iterations);

// Throws ProtocolError for anything that is not a complete, plausible report of a
// known version.
WorkerReport parse_worker_report(const std::string& json_text, const ReportExpectations& expected = {});

}  // namespace orch

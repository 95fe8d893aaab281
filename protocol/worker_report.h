// The worker's JSON report (schemas/worker-result.schema.json): the one document a
// worker hands the orchestrator, defined here once for both sides. The worker fills
// a WorkerReport and writes it with to_json(); the orchestrator reads it with
// parse_worker_report(). Any program that writes this document can be a worker, so
// to the orchestrator it is untrusted input: every number is checked against its
// range and against what the orchestrator knows of the run, every string is
// capped, and no error message quotes the document's bytes.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "protocol/cgroup_probe.h"
#include "protocol/resource_usage.h"

namespace protocol {

inline constexpr int kProtocolVersion = 1;

// The phases of a run, in the order the bundled workers report them.
namespace phase {
inline constexpr const char* kProcessStart = "process_start";  // spawn to the worker's main()
inline constexpr const char* kLibraryLoad = "library_load";    // dlopen of LibTorch; import torch
inline constexpr const char* kRuntimeInit = "runtime_init";    // thread pools, input tensor
inline constexpr const char* kModelLoad = "model_load";        // torch::jit::load
inline constexpr const char* kFirstInference = "first_inference";
inline constexpr const char* kWarmup = "warmup";
inline constexpr const char* kTimedLoop = "timed_loop";
// All of them in that order: each is also a column <name>_ms of the results DB's runs.
inline constexpr std::array<const char*, 7> kAll = {kProcessStart,   kLibraryLoad, kRuntimeInit, kModelLoad,
                                                    kFirstInference, kWarmup,      kTimedLoop};
}  // namespace phase

// A phase's start is an offset from the clock origin: the orchestrator's spawn
// timestamp when it gave one, else the worker's own main(). Both come from
// CLOCK_MONOTONIC (std::chrono::steady_clock), which is system-wide.
struct Phase {
  std::string name;
  double start_ms = 0;
  double duration_ms = 0;
};

// What LibTorch (or PyTorch) says about itself once its threads are configured.
struct TorchRuntime {
  std::string torch_version;
  bool mkldnn = false;
  bool mkl = false;
  bool openmp = false;
  int intra_op_threads = 0;   // at::get_num_threads() in effect
  int inter_op_threads = 0;   // at::get_num_interop_threads() in effect
  std::string parallel_info;  // at::get_parallel_info(), verbatim
  std::string device_name;    // on a GPU: which one, and the driver
};

// What the worker saw in effect inside its own process.
struct WorkerRuntime {
  TorchRuntime torch;  // empty when LibTorch never loaded
  std::vector<int> allowed_cpus;
  int online_cpus = 0;
  std::map<std::string, std::string> thread_env;
  std::vector<std::string> blas_libraries;
  int threads_observed = 0;
  int pid = 0;                              // as the worker saw itself (1 or 2 in a fresh PID namespace)
  int uid = -1;                             // the user it ran as; -1 when it did not say
  LimitsInEffect cgroup;                    // its own cgroup and the tightest limits above it
  std::optional<ResourceUsage> self_usage;  // getrusage(RUSAGE_SELF) at the end of the run
};

// What the worker was asked to run, as it understood it.
struct ReportInput {
  std::string model;
  std::vector<int64_t> shape;
  std::string device;
};

struct WorkerReport {
  bool ok = false;
  std::string error;                   // when !ok
  std::string failed_phase;            // when !ok
  std::string clock_origin = "spawn";  // or "worker_main" when no --spawn-ns was given
  std::vector<Phase> phases;
  std::vector<double> samples_ms;         // host monotonic clock, one per timed iteration
  std::vector<double> device_samples_ms;  // the same iterations by CUDA events; empty on the CPU
  ReportInput input;
  WorkerRuntime runtime;
};

// The document, as the worker writes it.
std::string to_json(const WorkerReport& report);

struct ProtocolError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What the orchestrator knows that a report must agree with.
struct ReportExpectations {
  int iterations = 0;  // an ok report has this many samples (and device samples); 0: not checked
  // From the spawn timestamp handed to the worker to its reap, on the same clock: no
  // phase can end later, and no iteration can take longer.
  double elapsed_ms = std::numeric_limits<double>::infinity();
  std::vector<int64_t> input_shape;  // the shape a report that gives one must have run; empty: not checked
  // iterations: auto: from min_iterations up to `iterations`, and fewer than
  // `iterations` only where enough_iterations (worker_flags.h) says the p50 was precise.
  int min_iterations = 0;
  double iterations_target_percent = 0;
};

// The largest report worth reading for a run of `iterations` timed iterations.
size_t max_report_bytes(int iterations);

// Throws ProtocolError for anything that is not a complete, plausible report of a
// known version.
WorkerReport parse_worker_report(const std::string& json_text, const ReportExpectations& expected = {});

}  // namespace protocol

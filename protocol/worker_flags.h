// The worker's command line: the flags every worker takes and the orchestrator
// passes, with their defaults, declared once. The orchestrator builds a worker's
// argv with to_argv(); the bundled worker declares its options with the same names
// (a worker of your own must accept them too: README, Writing your own worker).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace protocol {

namespace flag {
inline constexpr const char* kModel = "--model";
inline constexpr const char* kInputShape = "--input-shape";  // N,C,H,W
inline constexpr const char* kDevice = "--device";           // cpu, cuda, cuda:N
inline constexpr const char* kWarmupIterations = "--warmup-iterations";
inline constexpr const char* kIterations = "--iterations";
// iterations: auto -- at least this many timed iterations, then stop once the run's
// p50 is within +-P% (enough_iterations below); --iterations is then the most.
inline constexpr const char* kMinIterations = "--min-iterations";
inline constexpr const char* kIterationsTargetPercent = "--iterations-target-percent";
inline constexpr const char* kSpawnNs = "--spawn-ns";  // CLOCK_MONOTONIC ns just before the launch
inline constexpr const char* kResult = "--result";     // where to write the report
inline constexpr const char* kIntraOpThreads = "--intra-op-threads";
inline constexpr const char* kInterOpThreads = "--inter-op-threads";
// The questions that may come before any run (each answered on stdout).
inline constexpr const char* kProbeDevice = "--probe-device";
inline constexpr const char* kListColdFiles = "--list-cold-files";
inline constexpr const char* kCalibrate = "--calibrate";  // the bundled worker only: calibration.h
}  // namespace flag

// The calibration kernel's steps: untimed, then timed as one window (about 0.3 s here).
inline constexpr int kCalibrationWarmupSteps = 50;
inline constexpr int kCalibrationSteps = 1000;

// One run of a worker, as its command line says it.
struct WorkerInvocation {
  std::string model;
  std::vector<int64_t> input_shape{1, 3, 224, 224};  // the first dimension is the batch size
  std::string device = "cpu";
  int warmup_iterations = 10;            // untimed, inside the run
  int iterations = 100;                  // timed, each one; with min_iterations, the most
  int min_iterations = 0;                // > 0: iterations: auto, from this many up to `iterations`
  double iterations_target_percent = 0;  // iterations: auto: the run's p50 to within +- this
  int intra_op_threads = 0;              // at::set_num_threads; 0 leaves LibTorch's own choice
  int inter_op_threads = 0;              // at::set_num_interop_threads; 0 leaves LibTorch's own choice
  std::string spawn_ns;                  // as text: `plan` shows a placeholder there
  std::string result_path;
};

std::vector<std::string> to_argv(const std::string& program, const WorkerInvocation& invocation);

// iterations: auto's rule, which every worker applies: given its timed samples so
// far, whether the run has enough. With a fixed count, when it has `iterations`; with
// min_iterations, also once it has at least that many and the median's 95% interval
// (order_statistics.h) is within +-iterations_target_percent of it. A worker asks at
// its checkpoints only (each check sorts the samples): min_iterations, then every 5%
// more (at least one more), and stops at the first where the rule holds.
bool enough_iterations(const std::vector<double>& samples_ms, const WorkerInvocation& run);
size_t next_checkpoint(size_t checkpoint);  // the one after `checkpoint`
bool is_checkpoint(size_t count, const WorkerInvocation& run);
// The rule as a worker's loop applies it: done() after each iteration.
class IterationRule {
 public:
  explicit IterationRule(const WorkerInvocation& run) : run_(run), next_check_(run.min_iterations) {}
  bool done(const std::vector<double>& samples_ms);

 private:
  const WorkerInvocation& run_;
  size_t next_check_;
};

// The bundled C++ worker loads LibTorch from this plugin, next to its executable.
inline constexpr const char* kPluginFileName = "libbench_torch.so";

}  // namespace protocol

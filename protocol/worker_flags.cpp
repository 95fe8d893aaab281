// The worker's argv (see worker_flags.h).
#include "protocol/worker_flags.h"

#include <algorithm>
#include <cstdio>

#include "protocol/order_statistics.h"

namespace protocol {

std::vector<std::string> to_argv(const std::string& program, const WorkerInvocation& run) {
  std::string shape;
  for (const auto dimension : run.input_shape) shape += (shape.empty() ? "" : ",") + std::to_string(dimension);
  std::vector<std::string> argv = {program,
                                   flag::kModel,
                                   run.model,
                                   flag::kInputShape,
                                   shape,
                                   flag::kDevice,
                                   run.device,
                                   flag::kWarmupIterations,
                                   std::to_string(run.warmup_iterations),
                                   flag::kIterations,
                                   std::to_string(run.iterations),
                                   flag::kSpawnNs,
                                   run.spawn_ns,
                                   flag::kResult,
                                   run.result_path};
  if (run.intra_op_threads > 0) argv.insert(argv.end(), {flag::kIntraOpThreads, std::to_string(run.intra_op_threads)});
  if (run.inter_op_threads > 0) argv.insert(argv.end(), {flag::kInterOpThreads, std::to_string(run.inter_op_threads)});
  if (run.min_iterations > 0) {
    char target[32];  // every digit: the worker must stop by the very target the orchestrator checks
    std::snprintf(target, sizeof target, "%.17g", run.iterations_target_percent);
    argv.insert(argv.end(),
                {flag::kMinIterations, std::to_string(run.min_iterations), flag::kIterationsTargetPercent, target});
  }
  return argv;
}

bool enough_iterations(const std::vector<double>& samples_ms, const WorkerInvocation& run) {
  if (samples_ms.size() >= static_cast<size_t>(std::max(run.iterations, 0))) return true;
  if (run.min_iterations <= 0 || samples_ms.size() < static_cast<size_t>(run.min_iterations)) return false;
  const auto precision = median_precision(samples_ms);
  return precision && *precision * 100 <= run.iterations_target_percent;
}

size_t next_checkpoint(size_t checkpoint) { return std::max(checkpoint + 1, checkpoint + checkpoint / 20); }

bool is_checkpoint(size_t count, const WorkerInvocation& run) {
  if (run.min_iterations <= 0) return false;
  size_t checkpoint = static_cast<size_t>(run.min_iterations);
  while (checkpoint < count) checkpoint = next_checkpoint(checkpoint);
  return checkpoint == count;
}

bool IterationRule::done(const std::vector<double>& samples_ms) {
  if (samples_ms.size() >= static_cast<size_t>(std::max(run_.iterations, 0))) return true;
  if (run_.min_iterations <= 0 || samples_ms.size() < next_check_) return false;
  next_check_ = next_checkpoint(next_check_);
  return enough_iterations(samples_ms, run_);
}

}  // namespace protocol

// The worker's argv (see worker_flags.h).
#include "protocol/worker_flags.h"

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
  return argv;
}

}  // namespace protocol

// Worker argv construction and display quoting (see worker_command.h).
#include "launch/worker_command.h"

#include "common/text.h"
#include "protocol/worker_flags.h"

namespace orch {

std::vector<std::string> worker_argv(const WorkerSettings& worker, const CellSettings& cell,
                                     const RunArguments& run) {
  protocol::WorkerInvocation invocation;
  invocation.model = worker.model_path;
  invocation.input_shape = worker.input_shape;
  invocation.device = worker.device;
  invocation.warmup_iterations = worker.warmup_iterations;
  invocation.iterations = worker.iterations;
  invocation.intra_op_threads = cell.threads.intra_op;
  invocation.inter_op_threads = cell.threads.inter_op;
  invocation.spawn_ns = run.spawn_ns;
  invocation.result_path = run.result_path;
  return protocol::to_argv(program_of(worker, cell), invocation);
}

std::string quote_command(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& arg : argv) {
    if (!line.empty()) line += ' ';
    const bool plain = !arg.empty() && arg.find_first_not_of(
                                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789_-+=/.,:@%") == std::string::npos;
    if (plain) {
      line += arg;
      continue;
    }
    line += '\'';
    for (char c : arg) line += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += '\'';
  }
  return line;
}

}  // namespace orch

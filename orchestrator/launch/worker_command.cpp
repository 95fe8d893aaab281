// Worker argv construction and display quoting (see worker_command.h).
#include "launch/worker_command.h"

#include "common/text.h"
#include "protocol/worker_flags.h"

namespace orch {

std::vector<std::string> worker_argv(const CellSettings& cell, const RunArguments& run) {
  protocol::WorkerInvocation invocation;
  invocation.model = cell.model_path;
  invocation.input_shape = cell.input_shape;
  invocation.device = cell.device;
  invocation.warmup_iterations = cell.warmup_iterations;
  invocation.iterations = cell.iterations;
  if (cell.iterations_auto) {
    invocation.min_iterations = cell.min_iterations;
    invocation.iterations_target_percent = cell.iterations_target_percent;
  }
  invocation.intra_op_threads = cell.threads.intra_op;
  invocation.inter_op_threads = cell.threads.inter_op;
  invocation.spawn_ns = run.spawn_ns;
  invocation.result_path = run.result_path;
  return protocol::to_argv(cell.program, invocation);
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

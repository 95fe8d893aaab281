// Worker argv construction and display quoting (see worker_command.h).
#include "launch/worker_command.h"

#include "common/text.h"

namespace orch {

std::vector<std::string> worker_argv(const WorkerSettings& worker, const CellSettings& cell,
                                     const RunArguments& run) {
  std::vector<std::string> argv = {program_of(worker, cell),
          "--model", worker.model_path,
          "--input-shape", join_numbers(worker.input_shape),
          "--device", worker.device,
          "--warmup-iterations", std::to_string(worker.warmup_iterations),
          "--iterations", std::to_string(worker.iterations),
          "--spawn-ns", run.spawn_ns,
          "--result", run.result_path};
  if (cell.threads.intra_op > 0) argv.insert(argv.end(), {"--intra-op-threads", std::to_string(cell.threads.intra_op)});
  if (cell.threads.inter_op > 0) argv.insert(argv.end(), {"--inter-op-threads", std::to_string(cell.threads.inter_op)});
  return argv;
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

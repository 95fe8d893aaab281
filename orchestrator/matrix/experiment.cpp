// Helpers of the experiment's types (see experiment.h).
#include "matrix/experiment.h"

namespace orch {

std::string launcher_name(LauncherKind kind) { return launcher_names().at(static_cast<size_t>(kind)); }

const std::vector<std::string>& launcher_names() {
  static const std::vector<std::string> names = {"host",    "taskset",     "cgroup",
                                                 "unshare", "systemd-run", "docker"};  // LauncherKind order
  return names;
}

std::string run_order_name(RunOrder order) { return run_order_names().at(static_cast<size_t>(order)); }

const std::vector<std::string>& run_order_names() {
  static const std::vector<std::string> names = {"sequential", "interleaved", "random"};  // RunOrder order
  return names;
}

int warmup_runs_of(const Experiment& experiment, const Cell& cell) {
  return cell.settings.cache.mode == CachePolicy::Mode::kWarm ? cell.settings.cache.warm_runs : experiment.warmup_runs;
}

int runs_of(const Experiment& experiment, const Cell& cell) {
  return warmup_runs_of(experiment, cell) + experiment.runs;
}

SourceLocation origin_of(const Experiment& experiment, const Cell& cell, Setting setting) {
  for (const Setting which : {setting, Setting::kLauncher})
    if (const auto found = cell.origins.find(which); found != cell.origins.end()) return found->second;
  return {experiment.matrix_path};
}

}  // namespace orch

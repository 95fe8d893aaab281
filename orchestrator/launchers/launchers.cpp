// Creates each launcher once and checks every cell against its launcher (see launcher.h).
#include "launchers/launcher.h"

namespace orch {

Launchers::Launchers() {
  launchers_[LauncherKind::kHost] = make_host_launcher();
  launchers_[LauncherKind::kTaskset] = make_taskset_launcher();
}

const Launcher& Launchers::get(LauncherKind kind) const { return *launchers_.at(kind); }

LaunchCommand Launchers::command(const Experiment& experiment, const Cell& cell,
                                 const RunArguments& run) const {
  return get(cell.settings.launcher).command(cell.settings, worker_argv(experiment.worker, run));
}

void Launchers::validate(const Experiment& experiment) const {
  for (const auto& cell : experiment.cells) {
    auto refusal = get(cell.settings.launcher).refuse(cell.settings);
    if (!refusal) continue;
    auto origin = cell.origins.find(refusal->setting);
    if (origin == cell.origins.end()) origin = cell.origins.find("launcher");
    const SourceLocation where =
        origin != cell.origins.end() ? origin->second : SourceLocation{experiment.matrix_path};
    throw UserError(where, "cell " + std::to_string(cell.index + 1) + " (" + cell.label +
                               "): " + refusal->reason,
                    refusal->hint);
  }
}

}  // namespace orch

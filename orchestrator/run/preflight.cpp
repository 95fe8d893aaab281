// The checks before any launch (see preflight.h).
#include "run/preflight.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "common/error.h"
#include "common/text.h"
#include "matrix/settings.h"
#include "measure/warnings.h"
#include "process/supervisor.h"
#include "protocol/worker_flags.h"
#include "run/scratch_dir.h"

namespace orch {

std::string default_worker() {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "bench_worker").string();
}

std::optional<std::string> device_problem(const std::string& program, const std::string& device,
                                          const std::optional<std::pair<uint32_t, uint32_t>>& run_as) {
  const auto probe = capture_output({program, protocol::flag::kProbeDevice, device}, run_as);
  if (probe.ok) return std::nullopt;
  return first_line(probe.text, 300);
}

namespace {

// A device other than the CPU is checked by every worker program a cell runs it
// with, each with its own LibTorch (or PyTorch): once per program and device.
void check_devices(const Experiment& experiment) {
  std::set<std::pair<std::string, std::string>> asked;
  for (const auto& cell : experiment.cells) {
    const CellSettings& settings = cell.settings;
    if (!settings.on_gpu() || !asked.insert({settings.program, settings.device}).second) continue;
    if (const auto problem = device_problem(settings.program, settings.device, worker_credentials(experiment.worker)))
      throw UserError(origin_of(experiment, cell, Setting::kDevice),
                      "device: " + *problem + " (said " + printable(settings.program) + ")",
                      "use device: cpu, or a worker built against a CUDA LibTorch");
  }
}

// Workers write their reports below $TMPDIR: no one else may be able to rename what
// is in it, and workers running as worker.user must be able to enter it.
void check_scratch_folder(const WorkerSettings& worker) {
  check_scratch_parent();
  if (!worker.user) return;
  const std::string parent = scratch_parent();
  if (!capture_output({"/usr/bin/test", "-x", parent}, worker_credentials(worker)).ok)
    throw UserError("worker.user '" + worker.user->name + "' cannot enter the scratch folder's parent " +
                        printable(parent) + " ($TMPDIR): its workers could not write their reports",
                    "set TMPDIR to a folder every user can enter, such as /tmp");
}

// A program the matrix names was checked where it names it; the default one is here.
void check_default_program(const Experiment& experiment) {
  for (const auto& cell : experiment.cells)
    if (!cell.origins.count(Setting::kProgram) && access(cell.settings.program.c_str(), X_OK) != 0)
      throw UserError("worker program " + printable(cell.settings.program) + " is missing or not executable",
                      "build it with `cmake --build build`, or set worker.program in the matrix");
}

}  // namespace

std::vector<std::string> preflight_warnings(const Experiment& experiment) {
  std::vector<std::string> warnings;
  for (const auto& cell : experiment.cells) {
    const CellSettings& settings = cell.settings;
    int threads = settings.threads.intra_op;
    Setting source = Setting::kTorchThreads;
    if (threads == 0)
      if (const auto omp = settings.env.find("OMP_NUM_THREADS"); omp != settings.env.end()) {
        threads = std::atoi(omp->second.c_str());
        source = Setting::kEnv;
      }
    if (threads <= 0) continue;  // LibTorch's own choice: known once a run reports it
    const auto over = oversubscribed(threads, settings.cpuset.size(), settings.cpu_quota_percent);
    if (!over.above_cpus && !over.above_quota) continue;
    const std::string on = over.above_cpus ? count(settings.cpuset.size(), "CPU") + " (cpuset)"
                                           : "a quota of " + format_number(*settings.cpu_quota_percent, 0) + "%";
    warnings.push_back(origin_of(experiment, cell, source).to_string() + ": cell " + std::to_string(cell.index + 1) +
                       " [" + printable(cell.label) + "]: " + std::to_string(threads) + " intra-op threads on " + on +
                       ": every run will be oversubscribed (README: Warnings); fine if that is what it measures");
  }
  return warnings;
}

Experiment prepare_slurm_experiment(const std::string& matrix_path, const MatrixOptions& matrix_options,
                                    const SystemInfo& node) {
  Experiment experiment = load_experiment(matrix_path, node, default_worker(), matrix_options);
  check_default_program(experiment);
  return experiment;
}

Experiment prepare_experiment(const std::string& matrix_path, const MatrixOptions& matrix_options,
                              const SystemInfo& system, const Launchers& launchers) {
  Experiment experiment = load_experiment(matrix_path, system, default_worker(), matrix_options);
  check_default_program(experiment);
  launchers.validate(experiment);
  check_scratch_folder(experiment.worker);
  check_devices(experiment);
  return experiment;
}

}  // namespace orch

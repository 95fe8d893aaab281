// validate, plan and run (see commands.h).
#include "cli/commands.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include "common/cpu_list.h"
#include "common/system_info.h"
#include "common/text.h"
#include "launch/launcher.h"
#include "matrix/cache_setting.h"
#include "matrix/matrix.h"
#include "matrix/settings.h"
#include "report/table_exporter.h"
#include "run/experiment_runner.h"
#include "run/interrupt.h"
#include "run/run_lock.h"
#include "run/scratch_dir.h"
#include "run/supervisor.h"
#include "store/result_store.h"

namespace orch {
namespace {

namespace fs = std::filesystem;

// The bundled C++ worker, built next to this executable.
std::string default_worker() { return (fs::read_symlink("/proc/self/exe").parent_path() / "bench_worker").string(); }

// Why worker `program` cannot run on `device` (its first line of `--probe-device`);
// nullopt when it can. Asked as the user the workers run as.
std::optional<std::string> device_problem(const std::string& program, const std::string& device,
                                          const std::optional<std::pair<uint32_t, uint32_t>>& run_as = std::nullopt) {
  const auto probe = capture_output({program, protocol::flag::kProbeDevice, device}, run_as);
  if (probe.ok) return std::nullopt;
  return first_line(probe.text, 300);
}

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

// Loads the matrix and checks it against this machine and every launcher.
Experiment prepare(const std::string& matrix_path, const MatrixOptions& matrix_options, const SystemInfo& system,
                   const Launchers& launchers) {
  Experiment experiment = load_experiment(matrix_path, system, default_worker(), matrix_options);
  // A program the matrix names was checked where it names it; the default one is here.
  for (const auto& cell : experiment.cells)
    if (!cell.origins.count(Setting::kProgram) && access(cell.settings.program.c_str(), X_OK) != 0)
      throw UserError("worker program " + printable(cell.settings.program) + " is missing or not executable",
                      "build it with `cmake --build build`, or set worker.program in the matrix");
  launchers.validate(experiment);
  check_scratch_folder(experiment.worker);
  check_devices(experiment);
  return experiment;
}

// Every setting of a cell but its launcher and env, as labels read them, for `plan`;
// those it leaves at their defaults are left out.
std::string describe_settings(const CellSettings& settings) {
  std::vector<std::string> parts;
  for (const auto& setting : settings_table())
    if (setting.id != Setting::kLauncher && setting.id != Setting::kEnv && is_given(setting.id, settings))
      parts.push_back(label_of(setting.id, settings));
  return join(parts, ", ");
}

// What orchestrators that died left behind: every process of their runs, by the
// identities they recorded (their cgroup sessions, scratch folders, containers,
// scopes), and their runs left 'running' in this DB. A live orchestrator's are never
// touched. Then this orchestrator's cgroup session is made.
void clean_up_after_dead_orchestrators(const Experiment& experiment, const Launchers& launchers, ResultStore& store,
                                       const SystemInfo& system) {
  if (const int killed = recover_dead_scratch_dirs())
    spdlog::warn("killed {} process(es) that runs of an orchestrator that died had left running", killed);
  int removed = 0;
  try {
    removed = launchers.prepare(experiment);
  } catch (const CgroupError& e) {
    throw UserError(std::string("cannot set up this orchestrator's cgroup session: ") + e.what(),
                    "`orchestrator doctor` says what the cgroup launchers need here");
  }
  if (removed) spdlog::warn("removed {} cgroup session(s) or container(s) left by an orchestrator that died", removed);
  if (const int aborted = store.repair(system.hostname, boot_id()))
    spdlog::warn("{} run(s) were left 'running' by an orchestrator that died; stored as aborted", aborted);
}

int64_t total_runs(const Experiment& experiment) {
  int64_t runs = 0;
  for (const auto& cell : experiment.cells) runs += runs_of(experiment, cell);
  return runs;
}

}  // namespace

int validate_command(const std::string& matrix_path, const MatrixOptions& matrix_options) {
  const SystemInfo system = collect_system_info();
  const Launchers launchers;
  const Experiment experiment = prepare(matrix_path, matrix_options, system, launchers);
  std::cout << printable(matrix_path) << ": ok: " << count(experiment.cells.size(), "cell") << ", "
            << count(static_cast<size_t>(total_runs(experiment)), "run") << "\n";
  return kExitOk;
}

int plan_command(const std::string& matrix_path, const MatrixOptions& matrix_options) {
  const SystemInfo system = collect_system_info();
  const Launchers launchers;
  const Experiment experiment = prepare(matrix_path, matrix_options, system, launchers);
  std::cout << "experiment '" << printable(experiment.name) << "': " << count(experiment.cells.size(), "cell") << " x ("
            << experiment.warmup_runs << " warm-up + " << experiment.runs
            << " measured) fresh-process runs (cache: warm N changes a cell's warm-up) = " << total_runs(experiment)
            << " runs, timeout " << experiment.timeout_s << " s each\n"
            << "<spawn-ns>, <result-file> and <run-name> are filled in per run.\n";
  for (const auto& cell : experiment.cells) {
    const LaunchCommand launch = launchers.command(experiment, cell);
    std::string env;
    for (const auto& [name, value] : cell.settings.env) env += " " + name + "=" + value;
    std::cout << "\ncell " << cell.index + 1 << "/" << experiment.cells.size() << ": " << printable(cell.label)
              << "\n  launcher: " << launcher_name(cell.settings.launcher)
              << "\n  settings: " << printable(describe_settings(cell.settings))
              << "\n  runs: " << warmup_runs_of(experiment, cell) << " warm-up + " << experiment.runs << " measured"
              << "\n  env:" << (env.empty() ? " (no thread variables)" : printable(env))
              << "\n  command: " << printable(quote_command(launch.argv)) << "\n";
  }
  return kExitOk;
}

int run_command(const std::string& matrix_path, const MatrixOptions& matrix_options, const RunOptions& options) {
  const SystemInfo system = collect_system_info();
  const Launchers launchers;
  const Experiment experiment = prepare(matrix_path, matrix_options, system, launchers);
  install_stop_handlers();  // before the wait: a stop while waiting ends it cleanly
  const RunLock lock(options.lock_path, options.lock_wait_s, options.share_machine);
  ResultStore store(options.db_path);
  clean_up_after_dead_orchestrators(experiment, launchers, store, system);
  const ExperimentOutcome outcome = run_experiment(experiment, launchers, store, system, lock, options.resume);
  const std::string& db_path = options.db_path;

  std::cout << "\nexperiment '" << printable(experiment.name) << "' (id " << outcome.experiment_id << ") in "
            << printable(db_path) << ": medians over measured runs\n";
  write_table(std::cout, cell_summary_report(store.cell_summary(outcome.experiment_id)));
  if (outcome.interrupted) return kExitInterrupted;
  if (outcome.runs_ok < outcome.runs_total) {
    spdlog::warn("{} of {} runs did not succeed; see the status and reason columns of run_phases",
                 outcome.runs_total - outcome.runs_ok, outcome.runs_total);
    return kExitRunsFailed;
  }
  return kExitOk;
}

int doctor_command() {
  const SystemInfo system = collect_system_info();
  const Launchers launchers;
  const auto cgroup_problem = launchers.cgroups().unusable_reason();
  std::cout << "cgroups: "
            << (cgroup_problem ? "unusable: " + *cgroup_problem
                               : "cgroup v" + std::to_string(launchers.cgroups().version()) +
                                     ", run groups nested under this process's own cgroup")
            << "\n";
  // Each launcher is asked about a cell that uses every setting it can apply, with
  // the settings table's example values.
  const YamlReader examples("the settings table");
  const WorkerSettings default_settings;  // the worker as a matrix gives it when it says nothing
  for (size_t kind = 0; kind < launcher_names().size(); ++kind) {
    const std::string& name = launcher_names()[kind];
    const Launcher& launcher = launchers.get(static_cast<LauncherKind>(kind));
    CellSettings settings;
    settings.program = default_worker();
    std::vector<std::string> applied;
    for (const Setting setting : launcher.applies()) {
      read_setting(setting, examples, YAML::Load(setting_info(setting).example), settings);
      applied.push_back(setting_info(setting).key);
    }
    const auto refusal = launcher.refuse(settings, default_settings);
    const std::string applies = join(applied, ", ");
    std::cout << name << ": " << (refusal ? "unusable: " + refusal->reason : std::string("usable"))
              << " (applies: " << (applies.empty() ? "nothing" : applies) << ")\n";
    if (refusal && !refusal->hint.empty()) std::cout << "  fix: " << refusal->hint << "\n";
  }
  for (const char* policy : {"drop", "evict"}) {
    const auto problem = cache_policy_problem(*parse_cache_policy(policy));
    std::cout << "cache " << policy << ": " << (problem ? "unusable: " + *problem : std::string("usable")) << "\n";
  }
  const auto cuda = device_problem(default_worker(), "cuda");
  std::cout << "device cuda: " << (cuda ? "unusable: " + *cuda : std::string("usable")) << "\n";
  return kExitOk;
}

}  // namespace orch

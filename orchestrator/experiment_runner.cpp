// The experiment loop (see experiment_runner.h).
#include "experiment_runner.h"

#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "clock.h"

namespace orch {
namespace {

namespace fs = std::filesystem;

// A private folder for the workers' report files, removed when the experiment ends.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/orchestrator-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr)
      throw UserError("cannot create a scratch folder " + pattern, "check TMPDIR");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string describe(const RunRecord& run) {
  if (run.status != RunStatus::kOk) return status_name(run.status) + ": " + run.reason;
  std::ostringstream text;
  text.precision(4);
  text << "ok, p50 " << run.latency->p50_ms << " ms";
  return text.str();
}

RunRecord execute_run(const Experiment& experiment, const Launchers& launchers, const Cell& cell,
                      int run_index, const fs::path& scratch) {
  RunRecord run;
  run.cell_index = cell.index;
  run.run_index = run_index;
  run.warmup = run_index < experiment.warmup_runs;
  const std::string name = "orch-" + std::to_string(getpid()) + "-c" + std::to_string(cell.index) + "-r" +
                           std::to_string(run_index);
  const fs::path report_path = scratch / (name + ".json");
  run.started_at = utc_timestamp();
  // The clock starts before the launcher prepares anything: making a cgroup or a
  // container is part of what an isolation method costs at start-up.
  const RunArguments arguments{std::to_string(monotonic_ns()), report_path.string(), name};
  std::unique_ptr<LaunchedRun> launched;
  try {
    launched = launchers.get(cell.settings.launcher).launch(cell.settings, experiment.worker, arguments);
  } catch (const CgroupError& e) {
    run.process.launch_error = e.what();
    judge_run(run, std::nullopt);
    return run;
  }
  const LaunchCommand& launch = launched->command();
  run.command_line = quote_command(launch.argv);
  run.process = run_process({launch.argv, launch.env, experiment.timeout_s, launched->join_files(),
                             [&launched] { launched->kill_all(); }});
  run.evidence = launched->collect(run.process);
  judge_run(run, read_file(report_path));
  verify_limits(cell.settings, run);
  return run;
}

}  // namespace

ExperimentOutcome run_experiment(const Experiment& experiment, const Launchers& launchers,
                                 ResultStore& store, const SystemInfo& system) {
  std::vector<std::string> cell_commands;
  for (const auto& cell : experiment.cells)
    cell_commands.push_back(quote_command(launchers.command(experiment, cell).argv));
  const auto ids = store.begin_experiment(experiment, system, cell_commands);
  ScratchDir scratch;

  ExperimentOutcome outcome;
  outcome.experiment_id = ids.experiment_id;
  const int runs_per_cell = experiment.warmup_runs + experiment.runs;
  const size_t cells = experiment.cells.size();
  spdlog::info("experiment '{}' (id {}): {} cells x ({} warm-up + {} measured) runs", experiment.name,
               ids.experiment_id, cells, experiment.warmup_runs, experiment.runs);
  for (const auto& cell : experiment.cells) {
    for (int run_index = 0; run_index < runs_per_cell; ++run_index) {
      RunRecord run = execute_run(experiment, launchers, cell, run_index, scratch.path());
      store.record_run(ids.cell_ids.at(cell.index), run);
      ++outcome.runs_total;
      if (run.status == RunStatus::kOk) ++outcome.runs_ok;
      spdlog::info("cell {}/{} [{}] run {}/{}{}: {}", cell.index + 1, cells, cell.label,
                   run_index + 1, runs_per_cell, run.warmup ? " (warm-up)" : "", describe(run));
      if (run.status == RunStatus::kAborted) {
        outcome.interrupted = true;
        store.finish_experiment(ids.experiment_id, "interrupted");
        return outcome;
      }
    }
  }
  store.finish_experiment(ids.experiment_id, "finished");
  return outcome;
}

}  // namespace orch

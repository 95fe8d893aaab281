// The experiment loop (see experiment_runner.h).
#include "run/experiment_runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <sstream>

#include "common/clock.h"
#include "common/session.h"
#include "common/text.h"
#include "measure/cell_statistics.h"
#include "measure/warnings.h"
#include "run/cache_policy.h"
#include "run/cold_start_files.h"
#include "run/interrupt.h"
#include "run/machine_presence.h"
#include "run/run_order.h"
#include "run/scratch_dir.h"

namespace orch {
namespace {

std::string describe(const RunRecord& run) {
  if (run.status != RunStatus::kOk) return status_name(run.status) + ": " + run.reason;
  std::ostringstream text;
  text.precision(4);
  text << "ok, p50 " << run.latency->p50_ms << " ms";
  if (run.device_latency) text << ", gpu p50 " << run.device_latency->p50_ms << " ms";
  if (std::find(run.warnings.begin(), run.warnings.end(), "interference") != run.warnings.end() && run.interference)
    text << "; interference: " << describe_interference(*run.interference);
  return text.str();
}

// The record of a run about to start; begin_run stores it as 'running'.
RunRecord planned_run(const Experiment& experiment, const Cell& cell, int run_index) {
  RunRecord run;
  run.cell_index = cell.index;
  run.run_index = run_index;
  run.warmup = run_index < warmup_runs_of(experiment, cell);
  run.started_at = utc_timestamp();
  run.on_gpu = cell.settings.on_gpu();
  run.expected.iterations = cell.settings.iterations;
  run.expected.input_shape = cell.settings.input_shape;
  return run;
}

// Adds the orchestrators that measured beside this one since the last look.
void note_concurrent(const RunLock& lock, RunRecord& run) {
  for (const auto& text : lock.concurrent_orchestrators())
    if (std::find(run.concurrent_orchestrators.begin(), run.concurrent_orchestrators.end(), text) ==
        run.concurrent_orchestrators.end())
      run.concurrent_orchestrators.push_back(text);
}

// The page cache as the cell wants it, then a look at what is still in it.
void prepare_cache(const Experiment& experiment, const Cell& cell, const ColdStartFiles& files, RunRecord& run) {
  run.cache_action = apply_cache_policy(cell.settings.cache, files, worker_credentials(experiment.worker));
  run.model_resident_pct = resident_percent(files.model);
  if (!files.libtorch.empty()) run.libtorch_resident_pct = resident_percent(files.libtorch);
}

void execute_run(const Experiment& experiment, const Launchers& launchers, const Cell& cell, const ScratchDir& scratch,
                 RunRecord& run) {
  const std::string name = run_name(ProcessIdentity::self(), cell.index, run.run_index);
  // The clock starts before the launcher prepares anything: making a cgroup or a
  // container is part of what an isolation method costs at start-up.
  const int64_t spawn_ns = monotonic_ns();
  const RunArguments arguments{std::to_string(spawn_ns), scratch.prepare_run(name), name};
  std::unique_ptr<LaunchedRun> launched;
  try {
    launched = launchers.get(cell.settings.launcher).launch(cell.settings, experiment.worker, arguments);
  } catch (const CgroupError& e) {
    run.process.launch_error = e.what();
    judge_run(run, {});
    return;
  }
  const LaunchCommand& launch = launched->command();
  run.command_line = quote_command(launch.argv);
  ProcessSpec spec{launch.argv,          launch.env,
                   experiment.timeout_s, launched->join_files(),
                   launch.run_as,        [&launched] { launched->kill_all(); }};
  // What other work did on the run's CPUs, from its spawn to its reap.
  std::optional<MachineSnapshot> before;
  spec.on_spawn = [&](pid_t pid) {
    before = take_machine_snapshot(cell.settings.cpuset);
    scratch.record_process(pid);
    launched->started(pid);
  };
  run.process = run_process(spec);
  const MachineSnapshot after = take_machine_snapshot(cell.settings.cpuset);
  run.expected.elapsed_ms = static_cast<double>(monotonic_ns() - spawn_ns) / 1e6;
  run.evidence = launched->collect();
  judge_run(run, scratch.take_report(name, protocol::max_report_bytes(cell.settings.iterations)));
  verify_limits(cell.settings, run);
  if (before) run.interference = interference_between(*before, after, run_cpu_ms(run));
}

// "3m05s" left, from the mean duration of the runs so far.
std::string eta(std::chrono::steady_clock::duration spent, int64_t done, int64_t left) {
  if (done == 0) return "?";
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(spent).count() * left / done;
  return std::to_string(seconds / 60) + "m" + (seconds % 60 < 10 ? "0" : "") + std::to_string(seconds % 60) + "s";
}

// The experiment's ids: a new experiment, or with --resume the interrupted one.
ResultStore::Resumption open_experiment(const Experiment& experiment, const Launchers& launchers, ResultStore& store,
                                        const SystemInfo& system, bool resume) {
  if (resume) {
    if (auto resumption = store.resume(experiment, OrchestratorIdentity::self())) {
      spdlog::info("resuming experiment '{}' (id {}): {} runs already stored", experiment.name,
                   resumption->ids.experiment_id, resumption->finished.size());
      return *resumption;
    }
    spdlog::info("no interrupted experiment of this matrix in the DB: starting a new one");
  }
  std::vector<std::string> cell_commands;
  for (const auto& cell : experiment.cells)
    cell_commands.push_back(quote_command(launchers.command(experiment, cell).argv));
  const HostState host = read_host_state(static_cast<int>(system.online_cpus.size()));
  const auto warnings = host_warnings(host);
  if (!warnings.empty())
    spdlog::warn(
        "host: {} (governor {}, {:.1f} of {} CPUs busy just now, load average {}, swap used {} MiB); "
        "see README: Warnings",
        join_codes(warnings), host.governor.empty() ? "unknown (no cpufreq)" : host.governor, host.busy_cpus,
        host.online_cpus, host.load_average_1m, host.swap_used_bytes >> 20);
  const HostContext context{join_codes(warnings), host.governor, launchers.cgroups().version(),
                            OrchestratorIdentity::self()};
  ResultStore::Resumption opened;
  if (experiment.order == RunOrder::kRandom) opened.order_seed = experiment.order_seed.value_or(draw_order_seed());
  opened.ids = store.begin_experiment(experiment, system, cell_commands, context, opened.order_seed);
  return opened;
}

// The run indices of `cell` still to do. A resumed cell with runs left warms up again
// first: its stored warm-up runs warmed a machine that has been through an
// interruption since, so they are forgotten and repeated.
std::vector<int> runs_to_do(const Experiment& experiment, const Cell& cell, const ResultStore::Resumption& opened,
                            ResultStore& store) {
  auto finished = [&](int run_index) { return opened.finished.count({cell.index, run_index}) > 0; };
  std::vector<int> todo;
  for (int run_index = 0; run_index < runs_of(experiment, cell); ++run_index)
    if (!finished(run_index)) todo.push_back(run_index);
  if (todo.empty()) return todo;
  std::vector<int> again;
  for (int run_index = 0; run_index < warmup_runs_of(experiment, cell); ++run_index) {
    if (!finished(run_index)) continue;
    store.forget_run(opened.ids.cell_ids.at(cell.index), run_index);
    again.push_back(run_index);
  }
  todo.insert(todo.begin(), again.begin(), again.end());
  std::sort(todo.begin(), todo.end());
  return todo;
}

// One run from start to stored: 'running', cache prepared, executed, judged, completed.
RunRecord measure_run(const Experiment& experiment, const Launchers& launchers, ResultStore& store, const RunLock& lock,
                      const Cell& cell, int64_t cell_id, int run_index, int64_t sequence, ColdStartCatalog& cold_start,
                      const ScratchDir& scratch) {
  const WorkerProgram program{cell.settings.program, cell.settings.env, worker_credentials(experiment.worker)};
  const ColdStartFiles files =
      cold_start.files(program, cell.settings.model_path, cell.settings.cache.mode == CachePolicy::Mode::kEvict);
  RunRecord run = planned_run(experiment, cell, run_index);
  run.sequence = sequence;
  const int64_t run_id = store.begin_run(cell_id, run);
  prepare_cache(experiment, cell, files, run);
  const long long swap_before = swap_used_bytes();
  note_concurrent(lock, run);
  execute_run(experiment, launchers, cell, scratch, run);
  note_concurrent(lock, run);
  run.warnings = run_warnings(run, swap_before);
  store.record_run(run_id, cell_id, run);
  return run;
}

}  // namespace

ExperimentOutcome run_experiment(const Experiment& experiment, const Launchers& launchers, ResultStore& store,
                                 const SystemInfo& system, const RunLock& lock, bool resume) {
  // First: a scratch folder that cannot be made must stop us before the DB is touched.
  const ScratchDir scratch(ProcessIdentity::self(), experiment.worker.user);
  const auto opened = open_experiment(experiment, launchers, store, system, resume);
  // Cells whose runs changed since their statistics were stored (a repair, a resume,
  // an orchestrator that died), and those of DBs from before they were stored.
  store.store_cell_statistics(store.cells_without_statistics(), cell_statistics);
  const auto& ids = opened.ids;
  // The runs still to do, in the experiment's order (run_order.h); a resumed random
  // order is the stored seed's.
  std::vector<ScheduledRun> todo;
  std::vector<int> left_in_cell(experiment.cells.size(), 0);
  {
    std::vector<std::vector<char>> wanted;  // by cell, by run index
    for (const auto& cell : experiment.cells) {
      wanted.emplace_back(static_cast<size_t>(runs_of(experiment, cell)), 0);
      for (int run_index : runs_to_do(experiment, cell, opened, store))
        wanted.back()[static_cast<size_t>(run_index)] = 1;
    }
    for (const auto& run : schedule_runs(experiment, opened.order_seed))
      if (wanted[static_cast<size_t>(run.cell_index)][static_cast<size_t>(run.run_index)]) {
        todo.push_back(run);
        ++left_in_cell[static_cast<size_t>(run.cell_index)];
      }
  }
  int64_t left = static_cast<int64_t>(todo.size());
  ColdStartCatalog cold_start([&scratch](pid_t pid) { scratch.record_process(pid); });
  const size_t cells = experiment.cells.size();
  spdlog::info("experiment '{}' (id {}): {}, {} to go, order {}{}", experiment.name, ids.experiment_id,
               count(cells, "cell"), count(static_cast<size_t>(left), "run"), run_order_name(experiment.order),
               experiment.order == RunOrder::kRandom ? " (seed " + std::to_string(opened.order_seed) + ")" : "");

  ExperimentOutcome outcome;
  outcome.experiment_id = ids.experiment_id;
  const auto started = std::chrono::steady_clock::now();
  int64_t sequence = opened.last_sequence;
  try {
    for (const auto& [cell_index, run_index] : todo) {
      if (stop_signal() != 0) break;
      const Cell& cell = experiment.cells.at(static_cast<size_t>(cell_index));
      const int64_t cell_id = ids.cell_ids.at(static_cast<size_t>(cell_index));
      const RunRecord run =
          measure_run(experiment, launchers, store, lock, cell, cell_id, run_index, ++sequence, cold_start, scratch);
      ++outcome.runs_total;
      if (run.status == RunStatus::kOk) ++outcome.runs_ok;
      spdlog::info("cell {}/{} [{}] run {}/{}{}: {} (ETA {})", cell.index + 1, cells, cell.label, run_index + 1,
                   runs_of(experiment, cell), run.warmup ? " (warm-up)" : "", describe(run),
                   eta(std::chrono::steady_clock::now() - started, outcome.runs_total, --left));
      if (--left_in_cell[static_cast<size_t>(cell_index)] == 0) store.store_cell_statistics({cell_id}, cell_statistics);
    }
    std::vector<int64_t> stopped_cells;  // by a stop signal: their statistics so far
    for (size_t cell = 0; cell < cells; ++cell)
      if (left_in_cell[cell] > 0) stopped_cells.push_back(ids.cell_ids.at(cell));
    if (!stopped_cells.empty()) store.store_cell_statistics(stopped_cells, cell_statistics);
  } catch (const UserError&) {
    throw;  // the DB failed: nothing more can be stored
  } catch (const std::exception&) {
    // A bug, not a result: the experiment is left for --resume (the run in flight is
    // marked aborted at the next start), and main reports the error.
    store.finish_experiment(ids.experiment_id, "interrupted");
    throw;
  }
  outcome.interrupted = stop_signal() != 0;
  store.finish_experiment(ids.experiment_id, outcome.interrupted ? "interrupted" : "finished");
  return outcome;
}

}  // namespace orch

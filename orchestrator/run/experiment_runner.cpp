// The experiment loop (see experiment_runner.h).
#include "run/experiment_runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include "common/clock.h"
#include "common/session.h"
#include "measure/drift.h"
#include "measure/precision.h"
#include "measure/warnings.h"
#include "process/interrupt.h"
#include "run/cache_policy.h"
#include "run/calibration.h"
#include "run/cold_start_files.h"
#include "run/machine_presence.h"
#include "run/run_order.h"
#include "run/scratch_dir.h"

namespace orch {
namespace {

// Where a run is in the experiment, for the observer.
event::RunPosition position_of(const Experiment& experiment, const Cell& cell, int run_index) {
  return {cell.index, experiment.cells.size(),   cell.label,
          run_index,  runs_of(experiment, cell), run_index < warmup_runs_of(experiment, cell)};
}

event::RunFinished finished_event(const event::RunPosition& at, const RunRecord& run, std::optional<double> eta_s) {
  event::RunFinished finished{at, run.status, run.reason, std::nullopt, std::nullopt, std::nullopt, eta_s};
  if (run.latency) finished.p50_ms = run.latency->p50_ms;
  if (run.device_latency) finished.device_p50_ms = run.device_latency->p50_ms;
  if (std::find(run.warnings.begin(), run.warnings.end(), "interference") != run.warnings.end())
    finished.interference = run.interference;
  return finished;
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
  if (cell.settings.iterations_auto) {
    run.expected.min_iterations = cell.settings.min_iterations;
    run.expected.iterations_target_percent = cell.settings.iterations_target_percent;
  }
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

// The host's warnings at a new experiment's start (a resumed one is not looked at
// again): governor and swap at once, stored with the experiment; load (HostLoad)
// after the first run, added to them; all told together then.
class HostCheck {
 public:
  explicit HostCheck(int online_cpus) : host_(read_host_state(online_cpus)) {}

  std::vector<std::string> at_start() const { return host_warnings(host_); }
  const std::string& governor() const { return host_.governor; }
  // The window's marks while the first run goes; nullptr once it is over.
  HostLoad* load() { return told_ ? nullptr : &load_; }

  // After the first run (`first`), or at the end when none ran (nullptr).
  void tell(const RunRecord* first, ResultStore& store, int64_t experiment_id, Observer& observer) {
    if (told_) return;
    told_ = true;
    if (first) host_.busy_cpus = load_.busy_cpus(first->evidence.child_is_worker).value_or(0);  // 0: not judged
    const auto warnings = host_warnings(host_);
    if (std::find(warnings.begin(), warnings.end(), "load") != warnings.end())
      store.experiments().add_experiment_context(experiment_id, "load", std::nullopt);
    if (!warnings.empty()) observer.on(event::HostChecked{host_, warnings});
  }

 private:
  HostLoad load_;  // opened first, with the experiment
  HostState host_;
  bool told_ = false;
};

// `load`, where given, is the host's window (HostCheck) to mark at the spawn and the reap.
void execute_run(const Experiment& experiment, const Launchers& launchers, const Cell& cell, const ScratchDir& scratch,
                 HostLoad* load, RunRecord& run) {
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
    if (load) load->spawned();
    before = take_machine_snapshot(cell.settings.cpuset);
    scratch.record_process(pid);
    launched->started(pid);
  };
  run.process = run_process(spec);
  if (load) load->reaped();
  const MachineSnapshot after = take_machine_snapshot(cell.settings.cpuset);
  run.expected.elapsed_ms = static_cast<double>(monotonic_ns() - spawn_ns) / 1e6;
  run.evidence = launched->collect();
  judge_run(run, scratch.take_report(name, protocol::max_report_bytes(cell.settings.iterations)));
  verify_limits(cell.settings, run);
  if (before) run.interference = interference_between(*before, after, run_cpu_ms(run));
}

// The time left, from the mean duration of the runs so far; nullopt before the first.
std::optional<double> eta_s(std::chrono::steady_clock::duration spent, int64_t done, int64_t left) {
  if (done == 0) return std::nullopt;
  return std::chrono::duration<double>(spent).count() * static_cast<double>(left) / static_cast<double>(done);
}

// The experiment's ids: a new experiment, or with --resume the interrupted one.
ResultStore::Resumption open_experiment(const Experiment& experiment, const Launchers& launchers, ResultStore& store,
                                        const SystemInfo& system, bool resume, std::optional<HostCheck>& host_check,
                                        Observer& observer) {
  if (resume) {
    if (auto resumption = store.experiments().resume(experiment, OrchestratorIdentity::self())) {
      observer.on(event::Resumed{experiment.name, resumption->ids.experiment_id, resumption->finished.size()});
      return *resumption;
    }
    observer.on(event::NothingToResume{});
  }
  host_check.emplace(static_cast<int>(system.online_cpus.size()));
  const HostContext context{join_codes(host_check->at_start()), host_check->governor(), launchers.cgroups().version(),
                            OrchestratorIdentity::self()};
  ResultStore::Resumption opened;
  if (experiment.order == RunOrder::kRandom) opened.order_seed = experiment.order_seed.value_or(draw_order_seed());
  opened.ids = store.experiments().begin_experiment(experiment, system, launchers.quoted_commands(experiment), context,
                                                    opened.order_seed);
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
    store.experiments().forget_run(opened.ids.cell_ids.at(cell.index), run_index);
    again.push_back(run_index);
  }
  todo.insert(todo.begin(), again.begin(), again.end());
  std::sort(todo.begin(), todo.end());
  return todo;
}

// One run from start to stored: 'running', cache prepared, executed, judged, completed.
RunRecord measure_run(const Experiment& experiment, const Launchers& launchers, ResultStore& store, const RunLock& lock,
                      const Cell& cell, int64_t cell_id, int run_index, int64_t sequence, ColdStartCatalog& cold_start,
                      const ScratchDir& scratch, HostLoad* load) {
  const WorkerProgram program{cell.settings.program, cell.settings.env, worker_credentials(experiment.worker)};
  const ColdStartFiles files =
      cold_start.files(program, cell.settings.model_path, cell.settings.cache.mode == CachePolicy::Mode::kEvict);
  RunRecord run = planned_run(experiment, cell, run_index);
  run.sequence = sequence;
  const int64_t run_id = store.experiments().begin_run(cell_id, run);
  prepare_cache(experiment, cell, files, run);
  const long long swap_before = swap_used_bytes();
  note_concurrent(lock, run);
  execute_run(experiment, launchers, cell, scratch, load, run);
  note_concurrent(lock, run);
  run.warnings = run_warnings(run, swap_before);
  store.experiments().record_run(run_id, cell_id, run);
  return run;
}

// runs: auto: each cell's runs so far, and whether it has run enough (precision.h).
class AdaptiveCells {
 public:
  AdaptiveCells(const Experiment& experiment, ResultStore& store, const std::vector<int64_t>& cell_ids,
                Observer& observer)
      : precision_(experiment.runs_auto ? experiment.precision : std::nullopt),
        store_(store),
        observer_(observer),
        cell_ids_(cell_ids),
        progress_(cell_ids.size()),
        stopped_(cell_ids.size(), 0) {}

  bool stopped(size_t cell) const { return stopped_[cell] != 0; }

  // At the start (of a resume, too): decides from the stored runs alone, and clears a
  // reason that they no longer give.
  void check_at_start(size_t cell, const std::string& label) {
    if (precision_ && !check(cell, label)) store_.experiments().stop_cell(cell_ids_[cell], "");
  }

  // Reads the cell's stored runs; once they are enough, stores why and says so.
  bool check(size_t cell, const std::string& label) {
    if (!precision_ || stopped(cell)) return stopped(cell);
    progress_[cell] = progress_of(store_.history().cell_runs(cell_ids_[cell]));
    const auto reason = stop_reason(*precision_, progress_[cell]);
    if (!reason) return false;
    store_.experiments().stop_cell(cell_ids_[cell], stop_reason_name(*reason));
    stopped_[cell] = 1;
    observer_.on(event::CellStopped{static_cast<int>(cell), label, stop_reason_name(*reason),
                                    progress_[cell].measured_runs, relative_precision(progress_[cell].p50s)});
    return true;
  }

  // What the experiment saved against the fixed plan of the same precision.
  void report_saving() const {
    if (precision_) observer_.on(event::RunsSaved{compare_with_fixed_plan(progress_)});
  }

 private:
  std::optional<Precision> precision_;
  ResultStore& store_;
  Observer& observer_;
  const std::vector<int64_t>& cell_ids_;
  std::vector<CellProgress> progress_;
  std::vector<char> stopped_;
};

// calibration: true -- the calibration kernel before the first run, between rounds of
// runs and after the last; the drift of its times is stored and, past kMaxDriftShare,
// warned about (drift.h).
class Calibrations {
 public:
  Calibrations(const Experiment& experiment, ResultStore& store, int64_t experiment_id, Observer& observer)
      : experiment_(experiment), store_(store), experiment_id_(experiment_id), observer_(observer) {}

  // Before the run of `cell_index`: whether a round ended since the last calibration
  // (sequential: the cell changed; interleaved and random: as many runs as cells, which
  // in interleaved order is a round), and then a calibration.
  void before_run(int cell_index, int64_t after_sequence) {
    if (!experiment_.calibration) return;
    const bool due =
        !previous_cell_ || (experiment_.order == RunOrder::kSequential ? cell_index != *previous_cell_
                                                                       : runs_since_ >= experiment_.cells.size());
    if (due) take(after_sequence);
    previous_cell_ = cell_index;
    ++runs_since_;
  }

  // After the last run: one more, and the drift over them all.
  void finish(int64_t after_sequence) {
    if (!experiment_.calibration || !previous_cell_) return;
    take(after_sequence);
    const auto drift = drift_of(times_);
    if (!drift) return;
    const bool warn = drift->share > kMaxDriftShare;
    store_.experiments().record_drift(experiment_id_, drift->share, warn);
    observer_.on(event::DriftMeasured{*drift, warn});
  }

 private:
  void take(int64_t after_sequence) {
    runs_since_ = 0;
    if (const auto ms =
            run_calibration(experiment_.calibration_program, worker_credentials(experiment_.worker), observer_))
      times_ = store_.experiments().record_calibration(experiment_id_, after_sequence, *ms);
  }

  const Experiment& experiment_;
  ResultStore& store_;
  int64_t experiment_id_;
  Observer& observer_;
  std::optional<int> previous_cell_;
  size_t runs_since_ = 0;
  std::vector<double> times_;
};

}  // namespace

ExperimentOutcome run_experiment(const Experiment& experiment, const Launchers& launchers, ResultStore& store,
                                 const SystemInfo& system, const RunLock& lock, Observer& observer, bool resume,
                                 const RunShare* share) {
  // First: a scratch folder that cannot be made must stop us before the DB is touched.
  const ScratchDir scratch(ProcessIdentity::self(), experiment.worker.user, observer);
  std::optional<HostCheck> host_check;  // a new experiment's
  const auto opened = open_experiment(experiment, launchers, store, system, resume, host_check, observer);
  const auto& ids = opened.ids;
  // runs: auto: cells that ran enough before an interruption are done.
  AdaptiveCells adaptive(experiment, store, ids.cell_ids, observer);
  for (const auto& cell : experiment.cells) adaptive.check_at_start(static_cast<size_t>(cell.index), cell.label);
  // The runs still to do, in the experiment's order (run_order.h); a resumed random
  // order is the stored seed's.
  std::vector<ScheduledRun> todo;
  std::vector<int> left_in_cell(experiment.cells.size(), 0);
  {
    std::vector<std::vector<char>> wanted;  // by cell, by run index
    for (const auto& cell : experiment.cells) {
      wanted.emplace_back(static_cast<size_t>(runs_of(experiment, cell)), 0);
      if (adaptive.stopped(static_cast<size_t>(cell.index))) continue;
      for (int run_index : runs_to_do(experiment, cell, opened, store))
        if (!share || share->has(cell.index, run_index)) wanted.back()[static_cast<size_t>(run_index)] = 1;
    }
    for (const auto& run : schedule_runs(experiment, opened.order_seed))
      if (wanted[static_cast<size_t>(run.cell_index)][static_cast<size_t>(run.run_index)]) {
        todo.push_back(run);
        ++left_in_cell[static_cast<size_t>(run.cell_index)];
      }
  }
  int64_t left = static_cast<int64_t>(todo.size());
  ColdStartCatalog cold_start([&scratch](pid_t pid) { scratch.record_process(pid); }, observer);
  observer.on(event::ExperimentStarted{experiment.name, ids.experiment_id, experiment.cells.size(),
                                       static_cast<size_t>(left), experiment.order, opened.order_seed});

  ExperimentOutcome outcome;
  outcome.experiment_id = ids.experiment_id;
  const auto started = std::chrono::steady_clock::now();
  int64_t sequence = opened.last_sequence;
  Calibrations calibrations(experiment, store, ids.experiment_id, observer);
  try {
    for (const auto& [cell_index, run_index] : todo) {
      if (stop_signal() != 0) break;
      if (adaptive.stopped(static_cast<size_t>(cell_index))) continue;
      calibrations.before_run(cell_index, sequence);
      if (stop_signal() != 0) break;  // it came during the calibration
      const Cell& cell = experiment.cells.at(static_cast<size_t>(cell_index));
      const int64_t cell_id = ids.cell_ids.at(static_cast<size_t>(cell_index));
      const event::RunPosition at = position_of(experiment, cell, run_index);
      observer.on(event::RunStarted{at});
      const RunRecord run = measure_run(experiment, launchers, store, lock, cell, cell_id, run_index, ++sequence,
                                        cold_start, scratch, host_check ? host_check->load() : nullptr);
      if (host_check) host_check->tell(&run, store, ids.experiment_id, observer);
      ++outcome.runs_total;
      if (run.status == RunStatus::kOk) ++outcome.runs_ok;
      observer.on(
          finished_event(at, run, eta_s(std::chrono::steady_clock::now() - started, outcome.runs_total, --left)));
      int& cell_left = left_in_cell[static_cast<size_t>(cell_index)];
      --cell_left;
      if (adaptive.check(static_cast<size_t>(cell_index), cell.label)) {
        left -= cell_left;  // the runs it no longer needs
        cell_left = 0;
      }
    }
  } catch (const UserError&) {
    throw;  // the DB failed: nothing more can be stored
  } catch (const std::exception&) {
    // A bug, not a result: the experiment is left for --resume (the run in flight is
    // marked aborted at the next start), and main reports the error.
    store.experiments().finish_experiment(ids.experiment_id, "interrupted");
    throw;
  }
  if (host_check) host_check->tell(nullptr, store, ids.experiment_id, observer);  // no run came
  outcome.interrupted = stop_signal() != 0;
  if (!outcome.interrupted) {
    calibrations.finish(sequence);
    adaptive.report_saving();
  }
  store.experiments().finish_experiment(ids.experiment_id, outcome.interrupted ? "interrupted" : "finished");
  return outcome;
}

}  // namespace orch

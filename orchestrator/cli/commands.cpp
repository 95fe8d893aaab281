// validate, plan and run (see commands.h).
#include "cli/commands.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include "cli/terminal_observer.h"
#include "common/cpu_list.h"
#include "common/system_info.h"
#include "common/text.h"
#include "launch/launcher.h"
#include "matrix/cache_setting.h"
#include "matrix/matrix.h"
#include "matrix/settings.h"
#include "measure/comparison.h"
#include "measure/drift.h"
#include "measure/hosts.h"
#include "measure/intervals.h"
#include "measure/relative_speed.h"
#include "measure/statistics.h"
#include "measure/stored_run.h"
#include "measure/variance_components.h"
#include "measure/warnings.h"
#include "process/interrupt.h"
#include "process/supervisor.h"
#include "protocol/worker_report.h"
#include "report/exporters.h"
#include "run/dead_orchestrators.h"
#include "run/experiment_runner.h"
#include "run/run_lock.h"
#include "run/run_order.h"
#include "run/scratch_dir.h"
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

// A program the matrix names was checked where it names it; the default one is here.
void check_default_program(const Experiment& experiment) {
  for (const auto& cell : experiment.cells)
    if (!cell.origins.count(Setting::kProgram) && access(cell.settings.program.c_str(), X_OK) != 0)
      throw UserError("worker program " + printable(cell.settings.program) + " is missing or not executable",
                      "build it with `cmake --build build`, or set worker.program in the matrix");
}

// run --slurm and validate --slurm: the matrix checked against the partition's
// smallest node. Launchers, devices and the scratch folder are each node's to check:
// its job does before it launches anything, and a refusal there is the job's runs'
// reason.
Experiment prepare_for_slurm(const std::string& matrix_path, const MatrixOptions& matrix_options,
                             const SlurmPartition& partition) {
  Experiment experiment = load_experiment(matrix_path, partition.smallest_node(), default_worker(), matrix_options);
  check_default_program(experiment);
  return experiment;
}

// Loads the matrix and checks it against this machine and every launcher.
Experiment prepare(const std::string& matrix_path, const MatrixOptions& matrix_options, const SystemInfo& system,
                   const Launchers& launchers) {
  Experiment experiment = load_experiment(matrix_path, system, default_worker(), matrix_options);
  check_default_program(experiment);
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

// "3 measured", or for runs: auto "6 to 30 measured".
std::string measured_runs_text(const Experiment& experiment) {
  if (!experiment.runs_auto) return std::to_string(experiment.runs) + " measured";
  return std::to_string(Precision::kFewestRuns) + " to " + std::to_string(experiment.runs) + " measured";
}

int64_t total_runs(const Experiment& experiment) {
  int64_t runs = 0;
  for (const auto& cell : experiment.cells) runs += runs_of(experiment, cell);
  return runs;
}

}  // namespace

int validate_command(const std::string& matrix_path, const MatrixOptions& matrix_options, bool slurm,
                     const std::string& partition) {
  const SystemInfo system = collect_system_info();
  const Launchers launchers;
  const Experiment experiment = slurm ? prepare_for_slurm(matrix_path, matrix_options, read_partition(partition))
                                      : prepare(matrix_path, matrix_options, system, launchers);
  std::cout << printable(matrix_path) << ": ok" << (slurm ? " on Slurm" : "") << ": "
            << count(experiment.cells.size(), "cell") << ", " << (experiment.runs_auto ? "at most " : "")
            << count(static_cast<size_t>(total_runs(experiment)), "run") << "\n";
  return kExitOk;
}

namespace {

// plan --from-history: for each cell, the variance components of its newest stored
// runs on this host (same settings_hash), and the cheapest runs x iterations that
// reach the target (variance_components.h).
void print_plan_advice(const Experiment& experiment, const SystemInfo& system, const PlanOptions& options) {
  ResultStore store(options.history_db, ResultStore::Access::kRead, stopped_by_signal);
  const double target = options.target_percent > 0 ? options.target_percent
                        : experiment.precision     ? experiment.precision->target_percent
                                                   : Precision{}.target_percent;
  std::cout << "\nadvice from " << printable(options.history_db) << " for +-" << format_number(target, 2)
            << "% (95%, on the mean of the run means; README: Statistics):\n";
  double now_s = 0, advised_s = 0;
  for (const auto& cell : experiment.cells) {
    std::cout << "cell " << cell.index + 1 << "/" << experiment.cells.size() << ": " << printable(cell.label) << ": ";
    const auto found = store.history().latest_cell(settings_hash(stored_columns(cell.settings)), system.hostname);
    if (!found) {
      std::cout << "no stored runs of these settings on " << printable(system.hostname) << "\n";
      continue;
    }
    const auto stored = store.history().cell_runs(*number_of(value_of(*found, "cell_id")));
    const auto runs = measured_ok_runs(stored);
    const auto components = variance_components(runs);
    const RunCost cost = cost_of(runs);
    if (!components || cost.per_iteration_s <= 0) {
      std::cout << "its stored runs have too few iterations to tell\n";
      continue;
    }
    std::cout << "from experiment " << text_of(value_of(*found, "experiment_id")) << " ("
              << count(runs.size(), "ok run") << "): " << format_number(components->between_share() * 100, 0)
              << "% of a run's variance is run to run; a run costs " << format_number(cost.per_run_s, 2) << " s + "
              << format_number(cost.per_iteration_s * 1000, 3) << " ms per iteration\n";
    const int runs_now = experiment.runs, iterations_now = cell.settings.iterations;
    const double cost_now = runs_now * (cost.per_run_s + iterations_now * cost.per_iteration_s);
    std::cout << (experiment.runs_auto ? "  at runs: auto's most, " : "  as written, ") << runs_now << " x "
              << iterations_now << ": +-"
              << format_number(relative_half_width(*components, runs_now, iterations_now) * 100, 2) << "% in "
              << format_number(cost_now, 0) << " s\n";
    const auto plan = cheapest_plan(*components, cost, target / 100,
                                    static_cast<int>(values_for_confidence(kTargetConfidence)), 10, 100000);
    if (!plan) {
      std::cout << "  no plan of up to 100000 runs reaches +-" << format_number(target, 2) << "%\n";
      continue;
    }
    now_s += cost_now;
    advised_s += plan->machine_s;
    std::cout << "  cheapest: runs " << plan->runs << " x iterations " << plan->iterations << ": +-"
              << format_number(plan->relative_half_width * 100, 2) << "% in " << format_number(plan->machine_s, 0)
              << " s\n";
  }
  if (advised_s > 0)
    std::cout << "machine time of the measured runs: " << format_number(now_s, 0) << " s as written, "
              << format_number(advised_s, 0) << " s with the cheapest plans\n";
}

}  // namespace

int plan_command(const std::string& matrix_path, const MatrixOptions& matrix_options, const PlanOptions& options) {
  if (!options.history_db.empty() && !fs::exists(options.history_db))
    throw UserError("--from-history: no results DB at " + printable(options.history_db),
                    "give the DB that `orchestrator run` stored this matrix's runs in");
  const SystemInfo system = collect_system_info();
  const Launchers launchers;
  const Experiment experiment = prepare(matrix_path, matrix_options, system, launchers);
  std::cout << "experiment '" << printable(experiment.name) << "': " << count(experiment.cells.size(), "cell") << " x ("
            << experiment.warmup_runs << " warm-up + " << measured_runs_text(experiment)
            << ") fresh-process runs (cache: warm N changes a cell's warm-up) = "
            << (experiment.runs_auto ? "at most " : "") << total_runs(experiment) << " runs, timeout "
            << experiment.timeout_s << " s each\n";
  if (const auto& precision = experiment.precision; precision && experiment.runs_auto)
    std::cout << "runs: auto: each cell runs until the interval of its p50 is within +-"
              << format_number(precision->target_percent, 2) << "%, or " << precision->max_runs << " measured runs, or "
              << format_number(precision->max_minutes, 2)
              << " minutes of its runs (README: Statistics); the order below is the longest\n";
  if (const auto& precision = experiment.precision)
    for (const auto& cell : experiment.cells)
      if (cell.settings.iterations_auto) {
        std::cout << "iterations: auto: each run of such a cell times " << precision->min_iterations << " to "
                  << precision->max_iterations << " iterations, until its own p50 is within +-"
                  << format_number(precision->target_percent, 2) << "%\n";
        break;
      }
  // The order, as cell.run (1-based), for the first runs: with order: random only when
  // the matrix fixes the seed (otherwise `run` draws one).
  std::cout << "order: " << run_order_name(experiment.order);
  if (experiment.order != RunOrder::kRandom || experiment.order_seed) {
    if (experiment.order_seed) std::cout << " (seed " << *experiment.order_seed << ")";
    const auto order = schedule_runs(experiment, experiment.order_seed.value_or(0));
    constexpr size_t kShown = 24;
    std::cout << ":";
    for (size_t i = 0; i < std::min(order.size(), kShown); ++i)
      std::cout << " " << order[i].cell_index + 1 << "." << order[i].run_index + 1;
    if (order.size() > kShown) std::cout << " ... (" << order.size() - kShown << " more)";
  } else {
    std::cout << " (a seed is drawn and stored at run; give order_seed to fix it)";
  }
  std::cout << "\n<spawn-ns>, <result-file> and <run-name> are filled in per run.\n";
  for (const auto& cell : experiment.cells) {
    const LaunchCommand launch = launchers.command(experiment, cell);
    std::string env;
    for (const auto& [name, value] : cell.settings.env) env += " " + name + "=" + value;
    std::cout << "\ncell " << cell.index + 1 << "/" << experiment.cells.size() << ": " << printable(cell.label)
              << "\n  launcher: " << launcher_name(cell.settings.launcher)
              << "\n  settings: " << printable(describe_settings(cell.settings))
              << "\n  runs: " << warmup_runs_of(experiment, cell) << " warm-up + " << measured_runs_text(experiment)
              << "\n  env:" << (env.empty() ? " (no thread variables)" : printable(env))
              << "\n  command: " << printable(quote_command(launch.argv)) << "\n";
  }
  if (!options.history_db.empty()) print_plan_advice(experiment, system, options);
  return kExitOk;
}

namespace {

std::string experiment_title(const Columns& experiment) {
  return "experiment '" + text_of(value_of(experiment, "name")) + "' (id " + text_of(value_of(experiment, "id")) +
         "), " + text_of(value_of(experiment, "started_at")) + " on " + text_of(value_of(experiment, "hostname"));
}

// What the HTML report draws of a cell: its pooled latency quantiles, its phase
// medians, and its p50 across the nights of the same matrix name and host.
CellCharts cell_charts(ResultStore& store, const Columns& experiment, const Columns& row,
                       const std::vector<std::vector<double>>& runs) {
  CellCharts charts;
  charts.label = text_of(value_of(row, "cell"));
  std::vector<double> samples;
  for (const auto& run : runs) samples.insert(samples.end(), run.begin(), run.end());
  if (!samples.empty()) {
    std::sort(samples.begin(), samples.end());
    charts.latency_box =
        std::array<double, 5>{percentile(samples, 0.01), percentile(samples, 0.25), percentile(samples, 0.5),
                              percentile(samples, 0.75), percentile(samples, 0.99)};
  }
  for (const char* phase : protocol::phase::kAll) {
    const std::string name = phase;
    if (name == protocol::phase::kWarmup || name == protocol::phase::kTimedLoop) continue;  // not the cold start
    if (const auto ms = number_of(value_of(row, name + "_ms"))) charts.phases.push_back({name, *ms});
  }
  for (const auto& night :
       store.history().trend(text_of(value_of(row, "settings_hash")), text_of(value_of(experiment, "name")),
                   text_of(value_of(experiment, "hostname")), std::get<int64_t>(value_of(experiment, "id")), 30))
    charts.trend.push_back({std::get<int64_t>(value_of(night, "experiment_id")), text_of(value_of(night, "started_at")),
                            number_of(value_of(night, "latency_p50_ms")).value_or(0),
                            number_of(value_of(night, "latency_p50_ci_low_ms")).value_or(0),
                            number_of(value_of(night, "latency_p50_ci_high_ms")).value_or(0)});
  return charts;
}

// Each cell's attribution line (measure/attribution.h), for the cells that have one.
std::vector<std::pair<std::string, std::string>> cell_reasons(const std::vector<Columns>& cell_summary) {
  std::vector<std::pair<std::string, std::string>> reasons;
  for (const auto& row : cell_summary)
    if (const std::string why = text_of(value_of(row, "attribution")); !why.empty())
      reasons.push_back({text_of(value_of(row, "cell")), why});
  return reasons;
}

// One experiment's report: its cells in the columns the format reads best (or those
// asked for), the relative speed of its cells, and the legend of its warnings.
Report make_report(ResultStore& store, int64_t experiment_id, bool people, const std::vector<std::string>& columns,
                   const std::string& baseline, bool charts = false) {
  const std::vector<Columns> rows = store.history().cell_summary(experiment_id);
  Report report;
  report.experiment = store.experiments().experiment(experiment_id);
  report.title = experiment_title(report.experiment) + ": medians over measured ok runs";
  report.cells = people && columns.empty() ? reading_summary(rows) : data_summary(rows, columns);
  std::vector<CellRuns> cells;
  for (const auto& row : rows) {
    CellRuns cell{text_of(value_of(row, "cell")),
                  store.history().measured_samples(static_cast<int64_t>(number_of(value_of(row, "cell_id")).value_or(0)))};
    if (charts) report.charts.push_back(cell_charts(store, report.experiment, row, cell.runs));  // html only
    cells.push_back(std::move(cell));
  }
  report.speed = relative_speed(cells, baseline.empty() ? std::nullopt : std::optional<std::string>(baseline));
  report.legend = warning_legend(rows, text_of(value_of(report.experiment, "warnings")));
  std::vector<HostUse> hosts;
  for (const auto& row : store.history().cell_hosts(experiment_id))
    hosts.push_back({"cell " + std::to_string(integer_of(value_of(row, "cell_index")).value_or(0) + 1), row});
  if (const auto mixed = describe_mixed_hosts(hosts))
    report.legend.push_back({"mixed-hosts", warning_meaning("mixed-hosts") + ": " + *mixed});
  report.reasons = cell_reasons(rows);
  return report;
}

// An experiment's cells as a comparison needs them, each with its p50 history: the
// `lookback` latest earlier experiments of the same name on the same host.
std::vector<ComparedCell> compared_cells(ResultStore& store, const Columns& experiment, int lookback) {
  const int64_t id = std::get<int64_t>(value_of(experiment, "id"));
  std::vector<ComparedCell> cells;
  for (const auto& row : store.history().cell_summary(id)) {
    ComparedCell cell;
    cell.settings_hash = text_of(value_of(row, "settings_hash"));
    cell.label = text_of(value_of(row, "cell"));
    const auto cell_id = static_cast<int64_t>(number_of(value_of(row, "cell_id")).value_or(0));
    cell.samples = store.history().measured_samples(cell_id);
    for (const auto& run : store.history().measured_runs(cell_id))
      for (const auto& [column, metric, field] : compared_run_metrics())
        if (const auto value = run.*field) cell.run_values[column].push_back(*value);
    cell.history_p50s = store.history().history_p50s(cell.settings_hash, text_of(value_of(experiment, "name")),
                                           text_of(value_of(experiment, "hostname")), id, lookback);
    cells.push_back(std::move(cell));
  }
  return cells;
}

// Compares experiment `base` with `now` and writes it; true when some cell got slower.
bool write_compared(std::ostream& out, ResultStore& store, int64_t base, int64_t now, double threshold, int lookback,
                    Format format) {
  const Columns base_row = store.experiments().experiment(base), now_row = store.experiments().experiment(now);
  ComparisonReport report;
  report.base_title = experiment_title(base_row);
  report.new_title = experiment_title(now_row);
  report.threshold = threshold;
  if (text_of(value_of(base_row, "matrix_hash")) != text_of(value_of(now_row, "matrix_hash")))
    report.warnings.push_back(
        "the two experiments ran different matrices (matrix_hash differs): only cells with the "
        "same settings are compared");
  std::vector<HostUse> hosts;
  for (const int64_t id : {base, now})
    for (const auto& row : store.history().cell_hosts(id)) hosts.push_back({"experiment " + std::to_string(id), row});
  if (const auto mixed = describe_mixed_hosts(hosts))
    report.warnings.push_back("mixed-hosts: the cells were measured on machines that differ: " + *mixed);
  for (const Columns* row : {&base_row, &now_row})
    if (const auto share = number_of(value_of(*row, "drift_share")); share && *share > kMaxDriftShare)
      report.warnings.push_back("experiment " + text_of(value_of(*row, "id")) +
                                " drifted: its calibration kernel's level moved " + format_number(*share * 100, 0) +
                                "%, so its cells were not all measured on a machine of the same speed");
  ComparisonOptions options;
  options.threshold = threshold;
  report.comparison =
      compare_cells(compared_cells(store, base_row, lookback), compared_cells(store, now_row, lookback), options);
  report.reasons = cell_reasons(store.history().cell_summary(now));
  write_comparison(out, report, format);
  return report.comparison.regression();
}

}  // namespace

int compare_command(const CompareOptions& options) {
  const auto format = parse_format(options.format);
  if (!format) throw UserError("unknown format '" + printable(options.format) + "'", "table, md or json");
  ResultStore store(options.db_path, ResultStore::Access::kRead, stopped_by_signal);
  const int64_t base =
      options.baseline.empty() ? store.experiments().find_experiment(options.base) : store.baselines().find_baseline(options.baseline);
  const int64_t now = store.experiments().find_experiment(options.now);
  const bool slower =
      write_compared(std::cout, store, base, now, options.threshold_percent / 100, options.lookback, *format);
  return slower && options.fail_on_regression ? kExitRegression : kExitOk;
}

int upgrade_db_command(const std::string& db_path) {
  install_stop_handlers();
  const ResultStore store(db_path, ResultStore::Access::kWrite, stopped_by_signal);
  const int from = store.opened_at_version(), to = ResultStore::latest_schema_version();
  std::cout << "results DB " << printable(db_path) << ": "
            << (from == to ? "schema version " + std::to_string(to) + ", this orchestrator's: nothing to upgrade"
                           : "schema version " + std::to_string(from) + " upgraded to " + std::to_string(to))
            << "\n";
  return kExitOk;
}

int baseline_command(const std::string& db_path, const std::string& name, const std::string& experiment) {
  if (name.empty() || name.size() > 200 || has_control_character(name))
    throw UserError("a baseline name is one line of at most 200 characters", "e.g. release-1.2 or good-night");
  ResultStore store(db_path, ResultStore::Access::kWrite, stopped_by_signal);
  const int64_t id = store.experiments().find_experiment(experiment);
  store.baselines().name_baseline(name, id);
  std::cout << "baseline '" << printable(name) << "' is now " << experiment_title(store.experiments().experiment(id)) << '\n';
  return kExitOk;
}

int report_command(const ReportOptions& options) {
  const auto format = parse_format(options.format);
  if (!format) throw UserError("unknown report format '" + printable(options.format) + "'", "table, md, csv or json");
  ResultStore store(options.db_path, ResultStore::Access::kRead, stopped_by_signal);
  const int64_t id = store.experiments().find_experiment(options.experiment);
  std::ostringstream text;
  write_report(text,
               make_report(store, id, for_people(*format), options.columns, options.baseline, *format == Format::kHtml),
               *format);
  if (options.output.empty())
    std::cout << text.str();
  else
    write_own_file(options.output, text.str(), 0644, "the report file");
  return kExitOk;
}

namespace {

// The end of `run`, here or on Slurm: the report, the comparison asked for, the exit code.
int report_run(ResultStore& store, const RunOptions& options, int64_t experiment_id, bool interrupted,
               int64_t runs_total, int64_t runs_ok) {
  const std::string& db_path = options.db_path;
  std::cout << '\n';
  write_text_report(std::cout, make_report(store, experiment_id, true, {}, ""));
  std::cout << "(stored in " << printable(db_path) << "; orchestrator report --db " << printable(db_path)
            << " --format md|csv|json for more)\n";
  bool slower = false;
  if (!options.compare_to.empty()) {
    std::cout << "\ncompared with " << printable(options.compare_to) << ":\n";
    const int64_t base = store.experiments().find_experiment(options.compare_to);
    slower = write_compared(std::cout, store, base, experiment_id, 0.05, 10, Format::kTable);
  }
  if (interrupted) return kExitInterrupted;
  if (slower && options.fail_on_regression) return kExitRegression;
  if (runs_ok < runs_total) {
    spdlog::warn("{} of {} runs did not succeed; see the status and reason columns of run_phases", runs_total - runs_ok,
                 runs_total);
    return kExitRunsFailed;
  }
  return kExitOk;
}

// What a Slurm job's orchestrator is told besides its share: the options of this run
// that mean the same on its node.
JobCommand job_command(const MatrixOptions& matrix_options, const RunOptions& options) {
  JobCommand command;
  command.orchestrator = fs::read_symlink("/proc/self/exe").string();
  command.run_options = {"--lock",      fs::absolute(options.lock_path).string(),
                         "--lock-wait", format_number(options.lock_wait_s, 3),
                         "--max-cells", std::to_string(matrix_options.max_cells)};
  if (options.share_machine) command.run_options.push_back("--share-machine");
  return command;
}

int run_on_slurm_command(const std::string& matrix_path, const MatrixOptions& matrix_options,
                         const RunOptions& options) {
  const SlurmPartition partition = read_partition(options.slurm_options.partition);
  const Experiment experiment = prepare_for_slurm(matrix_path, matrix_options, partition);
  install_stop_handlers();
  ResultStore store(options.db_path, ResultStore::Access::kWrite, stopped_by_signal);
  TerminalObserver observer;
  repair_runs_of_dead_orchestrators(store, collect_system_info().hostname, observer);
  const ExperimentOutcome outcome =
      run_on_slurm(experiment, partition, store, options.db_path, job_command(matrix_options, options),
                   options.slurm_options, options.resume, observer);
  if (outcome.detached) {
    std::cout << "experiment " << outcome.experiment_id << ": jobs submitted; `orchestrator collect --db "
              << printable(options.db_path) << "` ingests what they finish\n";
    return kExitOk;
  }
  return report_run(store, options, outcome.experiment_id, outcome.interrupted, outcome.runs_total, outcome.runs_ok);
}

}  // namespace

int run_command(const std::string& matrix_path, const MatrixOptions& matrix_options, const RunOptions& options) {
  if (options.slurm) return run_on_slurm_command(matrix_path, matrix_options, options);
  const SystemInfo system = collect_system_info();
  const Launchers launchers;
  const Experiment experiment = prepare(matrix_path, matrix_options, system, launchers);
  std::optional<RunShare> share;
  if (!options.slurm_share.empty()) share = parse_share(options.slurm_share, experiment);
  install_stop_handlers();  // before the wait: a stop while waiting ends it cleanly
  // An existing DB is opened and checked before the lock and the machine's slot are
  // taken: one that cannot be used must not keep every other orchestrator waiting. A
  // new one is made only once this run may measure: a run that gives up leaves none.
  std::optional<ResultStore> opened;
  if (fs::exists(options.db_path)) opened.emplace(options.db_path, ResultStore::Access::kWrite, stopped_by_signal);
  TerminalObserver observer;
  const RunLock lock(options.lock_path, options.lock_wait_s, options.share_machine, observer);
  ResultStore& store =
      opened ? *opened : opened.emplace(options.db_path, ResultStore::Access::kWrite, stopped_by_signal);
  recover_from_dead_orchestrators(experiment, launchers, store, system.hostname, observer);
  const ExperimentOutcome outcome =
      run_experiment(experiment, launchers, store, system, lock, observer, options.resume, share ? &*share : nullptr);
  return report_run(store, options, outcome.experiment_id, outcome.interrupted, outcome.runs_total, outcome.runs_ok);
}

int collect_command(const std::string& db_path, const std::string& experiment, bool wait) {
  install_stop_handlers();
  ResultStore store(db_path, ResultStore::Access::kWrite, stopped_by_signal);
  TerminalObserver observer;
  repair_runs_of_dead_orchestrators(store, collect_system_info().hostname, observer);
  const int64_t id = experiment.empty() ? 0 : store.experiments().find_experiment(experiment);
  const auto outcomes = collect_from_slurm(store, id, wait, default_worker(), observer);
  if (outcomes.empty()) std::cout << "no Slurm jobs left to collect in " << printable(db_path) << "\n";
  int exit_code = kExitOk;
  for (const auto& outcome : outcomes) {
    std::cout << experiment_title(store.experiments().experiment(outcome.experiment_id)) << ": " << outcome.runs_ok << " of "
              << outcome.runs_total << " measured runs ok"
              << (outcome.detached ? "; jobs still out: collect again later\n" : "; every job collected\n");
    if (outcome.interrupted)
      exit_code = kExitInterrupted;
    else if (outcome.detached)
      continue;  // judged once its jobs are in
    else if (outcome.runs_ok < outcome.runs_total && exit_code == kExitOk)
      exit_code = kExitRunsFailed;
  }
  return exit_code;
}

int doctor_command(const std::string& partition) {
  const SystemInfo system = collect_system_info();
  const Launchers launchers;
  std::cout << "cgroups: " << launchers.cgroups().description() << "\n";
  // Each launcher is asked about a cell that uses every setting it can apply, with
  // the settings table's example values.
  const YamlReader examples("the settings table");
  const WorkerSettings default_settings;  // the worker as a matrix gives it when it says nothing
  // A setting it cannot apply here (a controller not delegated) is named and left out,
  // and the launcher asked again about the rest.
  for (size_t kind = 0; kind < launcher_names().size(); ++kind) {
    const std::string& name = launcher_names()[kind];
    const Launcher& launcher = launchers.get(static_cast<LauncherKind>(kind));
    std::vector<Setting> applied = launcher.applies();
    std::vector<std::string> left_out;
    std::optional<Refusal> refusal;
    for (;;) {
      CellSettings settings;
      settings.program = default_worker();
      for (const Setting setting : applied)
        read_setting(setting, examples, YAML::Load(setting_info(setting).example), settings);
      refusal = launcher.refuse(settings, default_settings);
      const auto at_fault = refusal ? std::find(applied.begin(), applied.end(), refusal->setting) : applied.end();
      if (at_fault == applied.end()) break;
      left_out.push_back(setting_info(*at_fault).key + " (" + refusal->reason + ")");
      applied.erase(at_fault);
    }
    std::vector<std::string> keys;
    for (const Setting setting : applied) keys.push_back(setting_info(setting).key);
    const std::string applies = join(keys, ", ");
    std::cout << name << ": " << (refusal ? "unusable: " + refusal->reason : std::string("usable"))
              << " (applies: " << (applies.empty() ? "nothing" : applies) << ")\n";
    for (const auto& what : left_out) std::cout << "  cannot apply " << what << "\n";
    if (refusal && !refusal->hint.empty()) std::cout << "  fix: " << refusal->hint << "\n";
  }
  for (const char* policy : {"drop", "evict"}) {
    const auto problem = cache_policy_problem(*parse_cache_policy(policy));
    std::cout << "cache " << policy << ": " << (problem ? "unusable: " + *problem : std::string("usable")) << "\n";
  }
  const auto cuda = device_problem(default_worker(), "cuda");
  std::cout << "device cuda: " << (cuda ? "unusable: " + *cuda : std::string("usable")) << "\n";
  std::cout << "slurm:\n";
  for (const auto& line : slurm_doctor_lines(partition)) std::cout << "  " << line << "\n";
  return kExitOk;
}

}  // namespace orch

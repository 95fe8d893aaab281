// The subcommands (see commands.h): each parses nothing, prints what it is told, and
// leaves the work to the layers below.
#include "cli/commands.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli/terminal_observer.h"
#include "common/system_info.h"
#include "common/text.h"
#include "launch/launcher_checks.h"
#include "matrix/cache_setting.h"
#include "process/interrupt.h"
#include "report/experiment_report.h"
#include "report/plan.h"
#include "run/dead_orchestrators.h"
#include "run/experiment_runner.h"
#include "run/preflight.h"
#include "run/run_lock.h"
#include "store/result_store.h"

namespace orch {
namespace {

namespace fs = std::filesystem;

// The results DB as the commands open it: a stop signal ends any statement.
class Store : public ResultStore {
 public:
  Store(const std::string& path, Access access) : ResultStore(path, access, stopped_by_signal) {}
};

// Compares experiment `base` with `now` and writes it; true when some cell got slower.
bool write_compared(std::ostream& out, ResultStore& store, int64_t base, int64_t now, double threshold, int lookback,
                    Format format) {
  const ComparisonReport report = compare_experiments(store, base, now, threshold, lookback);
  write_comparison(out, report, format);
  return report.comparison.regression();
}

Format format_of(const std::string& name, bool comparisons) {
  const auto format = parse_format(name, comparisons);
  if (!format)
    throw UserError("unknown " + std::string(comparisons ? "" : "report ") + "format '" + printable(name) + "'",
                    format_choices(comparisons));
  return *format;
}

}  // namespace

int validate_command(const std::string& matrix_path, const MatrixOptions& matrix_options, bool slurm,
                     const std::string& partition) {
  const SystemInfo system = collect_system_info();
  const Launchers launchers;
  const Experiment experiment =
      slurm ? prepare_slurm_experiment(matrix_path, matrix_options, read_partition(partition).smallest_node())
            : prepare_experiment(matrix_path, matrix_options, system, launchers);
  for (const auto& warning : preflight_warnings(experiment)) spdlog::warn("{}", warning);
  std::cout << printable(matrix_path) << ": ok" << (slurm ? " on Slurm" : "") << ": "
            << count(experiment.cells.size(), "cell") << ", " << (experiment.runs_auto ? "at most " : "")
            << count(static_cast<size_t>(total_runs(experiment)), "run") << "\n";
  return kExitOk;
}

int plan_command(const std::string& matrix_path, const MatrixOptions& matrix_options, const PlanOptions& options) {
  if (!options.history_db.empty() && !fs::exists(options.history_db))
    throw UserError("--from-history: no results DB at " + printable(options.history_db),
                    "give the DB that `orchestrator run` stored this matrix's runs in");
  const SystemInfo system = collect_system_info();
  const Launchers launchers;
  const Experiment experiment = prepare_experiment(matrix_path, matrix_options, system, launchers);
  for (const auto& warning : preflight_warnings(experiment)) spdlog::warn("{}", warning);
  write_plan(std::cout, experiment, launchers);
  if (!options.history_db.empty()) {
    Store store(options.history_db, ResultStore::Access::kRead);
    write_plan_advice(std::cout, plan_advice(experiment, store.history(), system.hostname, options.target_percent),
                      options.history_db);
  }
  return kExitOk;
}

int compare_command(const CompareOptions& options) {
  const Format format = format_of(options.format, true);
  Store store(options.db_path, ResultStore::Access::kRead);
  const int64_t base = options.baseline.empty() ? store.experiments().find_experiment(options.base)
                                                : store.baselines().find_baseline(options.baseline);
  const int64_t now = store.experiments().find_experiment(options.now);
  const bool slower =
      write_compared(std::cout, store, base, now, options.threshold_percent / 100, options.lookback, format);
  return slower && options.fail_on_regression ? kExitRegression : kExitOk;
}

int upgrade_db_command(const std::string& db_path) {
  install_stop_handlers();
  const Store store(db_path, ResultStore::Access::kWrite);
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
  Store store(db_path, ResultStore::Access::kWrite);
  const int64_t id = store.experiments().find_experiment(experiment);
  store.baselines().name_baseline(name, id);
  std::cout << "baseline '" << printable(name) << "' is now " << experiment_title(store.experiments().experiment(id))
            << '\n';
  return kExitOk;
}

int report_command(const ReportOptions& options) {
  const Format format = format_of(options.format, false);
  Store store(options.db_path, ResultStore::Access::kRead);
  const int64_t id = store.experiments().find_experiment(options.experiment);
  std::ostringstream text;
  write_report(text,
               make_report(store, id, for_people(format), options.columns, options.baseline, format == Format::kHtml),
               format);
  if (options.output.empty())
    std::cout << text.str();
  else
    write_own_file(options.output, text.str(), 0644, "the report file");
  return kExitOk;
}

namespace {

// The end of `run`, here or on Slurm: the report, the comparison asked for, the exit code.
int report_run(ResultStore& store, const RunOptions& options, const ExperimentOutcome& outcome) {
  const std::string& db_path = options.db_path;
  std::cout << '\n';
  write_text_report(std::cout, make_report(store, outcome.experiment_id, true, {}, ""));
  std::cout << "(stored in " << printable(db_path) << "; orchestrator report --db " << printable(db_path)
            << " --format md|csv|json for more)\n";
  bool slower = false;
  if (!options.compare_to.empty()) {
    std::cout << "\ncompared with " << printable(options.compare_to) << ":\n";
    const int64_t base = store.experiments().find_experiment(options.compare_to);
    slower = write_compared(std::cout, store, base, outcome.experiment_id, 0.05, 10, Format::kTable);
  }
  if (outcome.interrupted) return kExitInterrupted;
  if (slower && options.fail_on_regression) return kExitRegression;
  if (outcome.runs_ok < outcome.runs_total) {
    spdlog::warn("{} of {} runs did not succeed; see the status and reason columns of run_phases",
                 outcome.runs_total - outcome.runs_ok, outcome.runs_total);
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
  const Experiment experiment = prepare_slurm_experiment(matrix_path, matrix_options, partition.smallest_node());
  install_stop_handlers();
  Store store(options.db_path, ResultStore::Access::kWrite);
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
  return report_run(store, options, outcome);
}

}  // namespace

int run_command(const std::string& matrix_path, const MatrixOptions& matrix_options, const RunOptions& options) {
  if (options.slurm) return run_on_slurm_command(matrix_path, matrix_options, options);
  const SystemInfo system = collect_system_info();
  const Launchers launchers;
  const Experiment experiment = prepare_experiment(matrix_path, matrix_options, system, launchers);
  std::optional<RunShare> share;
  if (!options.slurm_share.empty()) share = parse_share(options.slurm_share, experiment);
  install_stop_handlers();  // before the wait: a stop while waiting ends it cleanly
  // An existing DB is opened and checked before the lock and the machine's slot are
  // taken: one that cannot be used must not keep every other orchestrator waiting. A
  // new one is made only once this run may measure: a run that gives up leaves none.
  std::optional<Store> opened;
  if (fs::exists(options.db_path)) opened.emplace(options.db_path, ResultStore::Access::kWrite);
  TerminalObserver observer;
  const RunLock lock(options.lock_path, options.lock_wait_s, options.share_machine, observer);
  ResultStore& store = opened ? *opened : opened.emplace(options.db_path, ResultStore::Access::kWrite);
  recover_from_dead_orchestrators(experiment, launchers, store, system.hostname, observer);
  const ExperimentOutcome outcome =
      run_experiment(experiment, launchers, store, system, lock, observer, options.resume, share ? &*share : nullptr);
  return report_run(store, options, outcome);
}

int collect_command(const std::string& db_path, const std::string& experiment, bool wait) {
  install_stop_handlers();
  Store store(db_path, ResultStore::Access::kWrite);
  TerminalObserver observer;
  repair_runs_of_dead_orchestrators(store, collect_system_info().hostname, observer);
  const int64_t id = experiment.empty() ? 0 : store.experiments().find_experiment(experiment);
  const auto outcomes = collect_from_slurm(store, id, wait, default_worker(), observer);
  if (outcomes.empty()) std::cout << "no Slurm jobs left to collect in " << printable(db_path) << "\n";
  int exit_code = kExitOk;
  for (const auto& outcome : outcomes) {
    std::cout << experiment_title(store.experiments().experiment(outcome.experiment_id)) << ": " << outcome.runs_ok
              << " of " << outcome.runs_total << " measured runs ok"
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
  const Launchers launchers;
  std::cout << "cgroups: " << launchers.cgroups().description() << "\n";
  for (const auto& check : check_launchers(launchers, default_worker())) {
    const std::string applies = join(check.applies, ", ");
    std::cout << check.name << ": " << (check.refusal ? "unusable: " + check.refusal->reason : std::string("usable"))
              << " (applies: " << (applies.empty() ? "nothing" : applies) << ")\n";
    for (const auto& what : check.left_out) std::cout << "  cannot apply " << what << "\n";
    if (check.refusal && !check.refusal->hint.empty()) std::cout << "  fix: " << check.refusal->hint << "\n";
  }
  for (const char* policy : {"drop", "evict"}) {
    const auto problem = cache_policy_problem(*parse_cache_policy(policy));
    std::cout << "cache " << policy << ": " << (problem ? "unusable: " + *problem : std::string("usable")) << "\n";
  }
  const auto cuda = device_problem(default_worker(), "cuda");
  std::cout << "device cuda: " << (cuda ? "unusable: " + *cuda : std::string("usable")) << "\n";
  // Slurm only when asked (--partition) or set up here: its tools' errors say nothing
  // on a machine that never used it.
  if (!partition.empty() || slurm_configured())
    std::cout << "slurm: " << slurm_doctor_line(partition) << "\n";
  else
    std::cout << "slurm: not set up here (no $SLURM_CONF, no /etc/slurm/slurm.conf); --partition asks anyway\n";
  return kExitOk;
}

}  // namespace orch

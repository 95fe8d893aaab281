// orchestrator: a thin main. Parses the command line, dispatches to a command, and
// is the one place where user and environment errors become a message and an exit code.
#include <signal.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <functional>
#include <iostream>

#include "cli/commands.h"
#include "cli/logging.h"
#include "common/error.h"
#include "common/text.h"
#include "common/version.h"
#include "process/supervisor.h"
#include "report/exporters.h"
#include "run/run_lock.h"
#include "store/result_store.h"

namespace {

// A number of seconds a person could mean: not NaN, not negative, at most a week.
const CLI::Validator kSeconds(
    [](std::string& text) -> std::string {
      char* end = nullptr;
      const double seconds = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0' || !std::isfinite(seconds) || seconds < 0 || seconds > 7 * 24 * 3600)
        return "expected a number of seconds from 0 to 604800, got '" + text + "'";
      return {};
    },
    "SECONDS");

// What the command line asked for, subcommand by subcommand.
struct CommandLine {
  std::function<int()> command;  // the subcommand chosen (its CLI11 callback sets it)
  std::string matrix_path;
  orch::MatrixOptions matrix_options;
  orch::PlanOptions plan_options;
  orch::RunOptions run_options;
  orch::ReportOptions report_options;
  orch::CompareOptions compare_options;
  std::string baseline_name, baseline_experiment = "latest", baseline_db = "results.db";
  std::string log_file;
  bool validate_slurm = false;
  std::string partition;  // validate --slurm, doctor
  std::string collect_db = "results.db", collect_experiment;
  std::string upgrade_db_path = "results.db";
  bool collect_wait = false;
};

// The chosen command, with every user and environment error turned into a message
// and an exit code: the one place where that happens.
int run_command_line(const CommandLine& line) {
  try {
    if (!line.log_file.empty()) orch::add_log_file(line.log_file);
    return line.command();
  } catch (const orch::UserError& e) {
    std::cerr << "orchestrator: error: " << orch::printable(e.what()) << '\n';
    if (!e.hint().empty()) std::cerr << "  hint: " << orch::printable(e.hint()) << '\n';
    return e.exit_code();
  } catch (const std::exception& e) {
    // Not a user error, so a bug or an environment failure nothing anticipated. The
    // stack has unwound: cgroups, containers and the scratch folder are gone.
    std::cerr << "orchestrator: internal error: " << orch::printable(e.what()) << '\n';
    return orch::kExitError;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"orchestrator: isolated, repeatable LibTorch inference benchmarks from a YAML matrix"};
  app.set_version_flag("--version", orch::orchestrator_version());
  app.require_subcommand(1);
  // Global options also after the subcommand, as a crontab line writes them:
  // `orchestrator run m.yaml --log-file night.log`.
  app.fallthrough();
  CommandLine line;
  line.run_options.lock_path = orch::default_lock_path();
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_option("--log-file", line.log_file, "also log to this file (rotated at 5 MiB, 3 kept)");
  double query_timeout_s = orch::ResultStore::kDefaultQueryBudgetS;
  app.add_option("--query-timeout", query_timeout_s,
                 "seconds any one query of a results DB may take before it is ended as endless")
      ->capture_default_str()
      ->check(kSeconds);

  auto* validate = app.add_subcommand("validate", "check a matrix file; launches nothing");
  auto* plan = app.add_subcommand("plan", "print every cell and its exact command; launches nothing");
  auto* run = app.add_subcommand("run", "run every cell and store the results");
  auto* doctor = app.add_subcommand("doctor", "say which launchers and cgroups are usable here, and why not");
  auto* report = app.add_subcommand("report", "print an experiment's results: " + orch::format_choices());
  report->add_option("--db", line.report_options.db_path, "results database (SQLite)")->capture_default_str();
  report->add_option("--experiment", line.report_options.experiment, "latest, previous, or an experiment id")
      ->capture_default_str();
  report->add_option("--format", line.report_options.format, orch::format_choices())
      ->capture_default_str()
      ->check(CLI::IsMember(orch::format_names()));
  report->add_option("--columns", line.report_options.columns, "cell_summary columns to show, or 'all'")
      ->delimiter(',');
  report->add_option("--baseline", line.report_options.baseline,
                     "the cell the relative speed is against (its label); default: the fastest");
  report->add_option("-o,--output", line.report_options.output, "write the report to this file instead of stdout");
  auto* compare = app.add_subcommand("compare", "compare two experiments cell by cell: did anything change?");
  compare->add_option("base", line.compare_options.base, "latest, previous, or an experiment id")
      ->capture_default_str();
  compare->add_option("new", line.compare_options.now, "latest, previous, or an experiment id")->capture_default_str();
  compare->add_option("--db", line.compare_options.db_path, "results database (SQLite)")->capture_default_str();
  compare->add_option("--threshold", line.compare_options.threshold_percent, "percent: smaller changes are no change")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1000.0));
  compare
      ->add_option("--lookback", line.compare_options.lookback,
                   "earlier nights of the same matrix name and host a p50 change is judged against")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000));
  compare->add_flag("--fail-on-regression", line.compare_options.fail_on_regression,
                    "exit 5 when some cell got slower");
  compare->add_option("--format", line.compare_options.format, orch::format_choices(true))
      ->capture_default_str()
      ->check(CLI::IsMember(orch::format_names(true)));
  compare->add_option("--baseline", line.compare_options.baseline,
                      "compare against this named experiment (orchestrator baseline NAME) instead of BASE");
  auto* baseline = app.add_subcommand("baseline", "name an experiment, to compare against it with --baseline");
  baseline->add_option("name", line.baseline_name, "e.g. release-1.2")->required();
  baseline->add_option("--experiment", line.baseline_experiment, "latest, previous, or an experiment id")
      ->capture_default_str();
  baseline->add_option("--db", line.baseline_db, "results database (SQLite)")->capture_default_str();
  for (auto* command : {validate, plan, run}) {
    command->add_option("matrix", line.matrix_path, "the experiment matrix (YAML)")->required();
    command->add_option("--max-cells", line.matrix_options.max_cells, "refuse a matrix that expands to more cells")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
  }
  auto* history = plan->add_option("--from-history", line.plan_options.history_db,
                                   "advise each cell's cheapest runs x iterations from its runs stored in this DB");
  plan->add_option("--target-percent", line.plan_options.target_percent,
                   "with --from-history: the advice's precision target (default: the matrix's precision, else 2)")
      ->check(CLI::Range(0.01, 100.0))
      ->needs(history);
  run->add_option("--db", line.run_options.db_path, "results database (SQLite), created if missing")
      ->capture_default_str();
  run->add_flag("--resume", line.run_options.resume,
                "go on with the latest interrupted experiment of this matrix, skipping stored runs");
  run->add_option("--lock", line.run_options.lock_path, "this machine's measurement lock file")->capture_default_str();
  run->add_option("--lock-wait", line.run_options.lock_wait_s,
                  "seconds to wait for the lock and for other orchestrators measuring here, then exit 4")
      ->capture_default_str()
      ->check(kSeconds);
  run->add_option("--compare-to", line.run_options.compare_to,
                  "at the end, compare with this experiment: previous (the one before this run) or an id");
  run->add_flag("--fail-on-regression", line.run_options.fail_on_regression,
                "with --compare-to: exit 5 when some cell got slower");
  run->add_flag("--share-machine", line.run_options.share_machine,
                "measure even while another orchestrator measures on this machine; its runs are flagged "
                "'concurrent'");
  // Slurm (README: Running on a Slurm cluster).
  {
    orch::SlurmOptions& slurm = line.run_options.slurm_options;
    auto* on_slurm = run->add_flag("--slurm", line.run_options.slurm,
                                   "spread the runs over Slurm jobs, each on a whole node, into this DB");
    run->add_option("--partition", slurm.partition, "with --slurm: the partition (default: the cluster's)")
        ->needs(on_slurm);
    run->add_option("--max-jobs", slurm.max_jobs,
                    "with --slurm: jobs at once (replicas: the copies); default: the partition's nodes")
        ->check(CLI::Range(1, 100000))
        ->needs(on_slurm);
    run->add_option("--sbatch-arg", slurm.sbatch_args, "with --slurm: an argument for sbatch, e.g. --time=2:00:00")
        ->allow_extra_args(false)
        ->needs(on_slurm);
    run->add_option("--slurm-split", slurm.split,
                    "with --slurm: cells (cells go to different nodes) or replicas (the whole matrix on each)")
        ->check(CLI::IsMember({"cells", "replicas"}))
        ->capture_default_str()
        ->needs(on_slurm);
    run->add_option("--slurm-folder", slurm.job_folder,
                    "with --slurm: a folder every node reaches, for the jobs' DBs (default: <db>.slurm)")
        ->needs(on_slurm);
    run->add_flag("--detach", slurm.detach, "with --slurm: submit and return; `orchestrator collect` ingests")
        ->needs(on_slurm);
    // Written by --slurm into its jobs' scripts; not for people.
    run->add_option("--slurm-share", line.run_options.slurm_share, "")->group("")->excludes(on_slurm);
  }
  validate->add_flag("--slurm", line.validate_slurm, "check against the smallest node of a Slurm partition");
  validate->add_option("--partition", line.partition, "with --slurm: the partition (default: the cluster's)");
  doctor->add_option("--partition", line.partition, "the Slurm partition to look at (default: the cluster's)");
  auto* collect =
      app.add_subcommand("collect", "ingest what an experiment's Slurm jobs finished (run --slurm --detach)");
  collect->add_option("--db", line.collect_db, "results database (SQLite)")->capture_default_str();
  collect->add_option("--experiment", line.collect_experiment,
                      "latest, previous, or an experiment id (default: every one with jobs left to collect)");
  collect->add_flag("--wait", line.collect_wait, "wait until every job has ended");
  auto* upgrade_db = app.add_subcommand(
      "upgrade-db", "migrate a results DB written by an older orchestrator to this one's schema (reports never do)");
  upgrade_db->add_option("--db", line.upgrade_db_path, "results database (SQLite)")->capture_default_str();

  // Each subcommand's callback chooses what runs once the whole line is parsed.
  auto choose = [&line](CLI::App* command, std::function<int()> chosen) {
    command->callback([&line, chosen = std::move(chosen)] { line.command = chosen; });
  };
  choose(validate, [&] {
    return orch::validate_command(line.matrix_path, line.matrix_options, line.validate_slurm, line.partition);
  });
  choose(plan, [&] { return orch::plan_command(line.matrix_path, line.matrix_options, line.plan_options); });
  choose(run, [&] { return orch::run_command(line.matrix_path, line.matrix_options, line.run_options); });
  choose(doctor, [&] { return orch::doctor_command(line.partition); });
  choose(report, [&] { return orch::report_command(line.report_options); });
  choose(compare, [&] { return orch::compare_command(line.compare_options); });
  choose(baseline,
         [&] { return orch::baseline_command(line.baseline_db, line.baseline_name, line.baseline_experiment); });
  choose(collect, [&] { return orch::collect_command(line.collect_db, line.collect_experiment, line.collect_wait); });
  choose(upgrade_db, [&] { return orch::upgrade_db_command(line.upgrade_db_path); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? orch::kExitOk : orch::kExitUsage;
  }
  orch::setup_logging(log_level);
  orch::ResultStore::set_query_budget(query_timeout_s);
  ::umask(027);                // the DB and the log: readable by the group, nobody else
  ::signal(SIGPIPE, SIG_IGN);  // a reader that went away (| head) must not end a night midway
  orch::adopt_orphans();       // what a worker's or a helper's descendants leave is ours to kill

  const int exit_code = run_command_line(line);
  orch::kill_adopted();  // whatever a worker's or a helper's descendants left
  return exit_code;
}

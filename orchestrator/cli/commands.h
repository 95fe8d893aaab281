// The orchestrator's subcommands. Each validates everything before it launches
// anything, returns an ExitCode, and lets UserError propagate to main().
#pragma once

#include <string>
#include <vector>

#include "matrix/matrix.h"
#include "slurm/slurm_submission.h"

namespace orch {

// With `slurm`, the matrix is checked against the smallest node of `partition`.
int validate_command(const std::string& matrix_path, const MatrixOptions& matrix_options, bool slurm = false,
                     const std::string& partition = "");
struct PlanOptions {
  std::string history_db;     // --from-history: advise each cell's runs x iterations from its stored runs
  double target_percent = 0;  // the advice's target; 0: the matrix's precision, else 2
};
int plan_command(const std::string& matrix_path, const MatrixOptions& matrix_options, const PlanOptions& options);
struct RunOptions {
  std::string db_path = "results.db";
  bool resume = false;              // go on with the latest interrupted experiment of this matrix
  std::string lock_path;            // the measurement lock file (run_lock.h: default_lock_path)
  double lock_wait_s = 600;         // how long to wait for the lock and for others measuring here
  bool share_machine = false;       // measure beside other orchestrators (runs flagged 'concurrent')
  std::string compare_to;           // at the end, compare with this experiment (previous, an id); "": don't
  bool fail_on_regression = false;  // with compare_to: exit kExitRegression when a cell got slower
  bool slurm = false;               // spread the runs over Slurm jobs (slurm/slurm_submission.h)
  SlurmOptions slurm_options;
  std::string slurm_share;  // inside a Slurm job: only these runs (run/run_share.h)
};
int run_command(const std::string& matrix_path, const MatrixOptions& matrix_options, const RunOptions& options);
struct ReportOptions {
  std::string db_path = "results.db";
  std::string experiment = "latest";  // latest, previous or an id
  std::string format = "table";       // table, md, csv, json
  std::vector<std::string> columns;   // cell_summary columns; {"all"}; empty: the format's default
  std::string baseline;               // the relative speed's reference cell; "": the fastest
  std::string output;                 // a file; "": stdout
};
int report_command(const ReportOptions& options);
struct CompareOptions {
  std::string db_path = "results.db";
  std::string base = "previous";  // latest, previous or an id
  std::string now = "latest";
  std::string baseline;          // a named experiment, instead of `base`
  double threshold_percent = 5;  // smaller changes are no change
  int lookback = 10;             // earlier nights a p50 change is judged against
  bool fail_on_regression = false;
  std::string format = "table";  // table, md or json
};
// Exits kExitRegression when fail_on_regression and some cell got slower.
int compare_command(const CompareOptions& options);
// Names experiment `experiment` (latest, previous or an id) `name`, for compare --baseline.
int baseline_command(const std::string& db_path, const std::string& name, const std::string& experiment);
// Migrates a results DB to this build's schema (readers never do), and says from which
// version.
int upgrade_db_command(const std::string& db_path);
// Says, for every launcher and for cgroups, whether it is usable here, and if not why
// and what fixes it; and whether Slurm answers, with `partition`'s nodes.
int doctor_command(const std::string& partition = "");
// Ingests what the Slurm jobs of experiment `experiment` ("" every one with jobs not
// collected, or an id) have finished; with `wait`, until all have ended.
int collect_command(const std::string& db_path, const std::string& experiment, bool wait);

}  // namespace orch

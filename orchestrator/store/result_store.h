// The results DB (SQLite): the only user of SQLiteCpp. Opening migrates the schema
// forward; every finished run is stored in one transaction, so a crash of the
// orchestrator loses at most the run in flight.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/safe_files.h"
#include "common/system_info.h"
#include "common/value.h"
#include "matrix/experiment.h"
#include "measure/run_record.h"
#include "process/process_identity.h"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace orch {

// Which orchestrator wrote a row: its process identity in the boot it ran in. The
// next start judges whether it is dead by these, never by its pid alone.
struct OrchestratorIdentity {
  ProcessIdentity process;
  std::string boot_id;

  static OrchestratorIdentity self() { return {ProcessIdentity::self(), orch::boot_id()}; }
};

// What the orchestrator knows about the machine beyond SystemInfo at the start.
struct HostContext {
  std::string warnings;  // codes (warnings.h)
  std::string governor;
  int cgroup_version = 0;
  OrchestratorIdentity orchestrator;  // who runs the experiment
};

class ResultStore {
 public:
  // kWrite: `run`, `collect`, `baseline`, `upgrade-db`: the file is created if needed
  // and its schema migrated forward. kRead: `report`, `compare`, `plan --from-history`,
  // and a Slurm job's DB before it is ingested: opened read only, never created,
  // migrated or switched to WAL, and refused unless its schema is this build's.
  enum class Access { kWrite, kRead };
  // Why the work using the store must stop ("signal 15"), or "" to go on. Asked while
  // a statement runs: a stop ends it, and the error says so (kExitInterrupted).
  using StopCheck = std::function<std::string()>;

  // The path is opened as safe_files.h says (no symbolic link another user owns is
  // followed; a regular file with one link, of this process's user, in a folder no
  // one else may write). Before any query of its data the DB is checked: PRAGMA
  // quick_check (a damaged one stops the orchestrator before any launch), no triggers
  // (they would run inside its writes), and its tables are the tables this build's
  // migrations make at its version, column by column (a table replaced by a view, an
  // endless recursive one say, is refused). Every statement has a time budget
  // (set_query_budget) and ends at a stop signal. A writer migrates the schema forward
  // in one IMMEDIATE transaction, so orchestrators opening a new DB at once do not
  // collide, then stores the statistics of cells that lack them. A reader uses this
  // build's views, made TEMP on its connection (never the file's own), over the
  // stored statistics, and computes in memory those of cells that lack them. Throws
  // UserError when it cannot be opened, is damaged, or its schema is one this build
  // does not know (newer, negative, tables without a version), or for a reader an
  // older one (the hint names `orchestrator upgrade-db`) or no orchestrator DB at all.
  explicit ResultStore(const std::string& path, Access access = Access::kWrite, StopCheck stopped = {});
  ~ResultStore();

  // The longest any one statement may run (seconds; --query-timeout), for stores
  // opened after the call. A query far past it is an endless one (a view that recurses
  // forever), not a large DB: one of a million runs answers in under a millisecond.
  static void set_query_budget(double seconds);
  static constexpr double kDefaultQueryBudgetS = 60;

  int schema_version() const;
  static int latest_schema_version();
  // The schema version the file had when it was opened, before any migration.
  int opened_at_version() const { return opened_at_version_; }

  struct ExperimentIds {
    int64_t experiment_id = 0;
    std::vector<int64_t> cell_ids;  // by cell index
  };
  // `cell_commands` are the cells' command lines as `plan` shows them.
  // `order_seed` is stored for order: random.
  ExperimentIds begin_experiment(const Experiment& experiment, const SystemInfo& system,
                                 const std::vector<std::string>& cell_commands, const HostContext& host = {},
                                 int64_t order_seed = 0);
  // Cell statistics are computed outside the store (measure/cell_statistics.h) from
  // the cell's stored runs, and stored in their own rows (cell_statistics). Every
  // transaction that changes a cell's runs stores its row anew, in that transaction:
  // a row is never stale, and a cell being measured shows its statistics as of its
  // last stored run.
  // A run is stored as 'running' when it starts, and completed -- status, phases,
  // samples, the cell's statistics -- in one transaction when it ends. Both throw
  // UserError on a DB error.
  int64_t begin_run(int64_t cell_id, const RunRecord& run);
  void record_run(int64_t run_id, int64_t cell_id, const RunRecord& run);
  void finish_experiment(int64_t experiment_id, const std::string& status);

  // The experiments stored as 'running' on `hostname`, each with the orchestrator that
  // runs it (boot_id "" where it was not stored).
  struct RunningExperiment {
    int64_t experiment_id = 0;
    OrchestratorIdentity orchestrator;
  };
  std::vector<RunningExperiment> running_experiments(const std::string& hostname);
  // Marks what the orchestrators of `dead` (which the caller judged dead) left
  // 'running': their runs become 'aborted', their experiments 'interrupted', in one
  // transaction. Returns the number of runs marked.
  int repair(const std::vector<RunningExperiment>& dead);

  // The latest interrupted experiment of the same matrix (content hash and name) and
  // the same kind (experiment.slurm_split: measured here, or by Slurm jobs, which may
  // also be 'submitted'), reopened by `by` in one IMMEDIATE transaction (two
  // orchestrators cannot both take it): its aborted runs, and the runs its Slurm jobs
  // did not finish, are deleted so they run again.
  struct Resumption {
    ExperimentIds ids;
    std::set<std::pair<int, int>> finished;  // (cell index, run index) already stored
    int64_t order_seed = 0;                  // the experiment's, for order: random
    int64_t last_sequence = 0;               // of its runs stored so far
  };
  std::optional<Resumption> resume(const Experiment& experiment, const OrchestratorIdentity& by);
  // Deletes a stored run with its phases and samples (a resumed cell's warm-up runs,
  // which must warm the machine again before its remaining measured runs).
  void forget_run(int64_t cell_id, int run_index);

  // The cell_summary view's rows of one experiment, typed, in cell order.
  std::vector<Columns> cell_summary(int64_t experiment_id);
  // An experiment's id from "latest", "previous" (the one before the latest) or its
  // number. Throws UserError when there is no such experiment.
  int64_t find_experiment(const std::string& which);
  // Names an experiment (a release, a known-good night), replacing what the name named.
  void name_baseline(const std::string& name, int64_t experiment_id);
  // The experiment a baseline names. Throws UserError for an unknown name.
  int64_t find_baseline(const std::string& name);
  // Its experiments row (the matrix file's text aside).
  Columns experiment(int64_t experiment_id);
  // The matrix file as the experiment read it.
  std::string matrix_text(int64_t experiment_id);
  // The timed iterations (ms) of a cell's measured ok runs, run by run.
  std::vector<std::vector<double>> measured_samples(int64_t cell_id);
  // The cell with `settings_hash` in the `limit` latest experiments named `name` on
  // `hostname` up to experiment `up_to` (included), oldest first: experiment_id,
  // started_at, latency_p50_ms, latency_p50_ci_low_ms, latency_p50_ci_high_ms,
  // latency_p50_ci_confidence.
  std::vector<Columns> trend(const std::string& settings_hash, const std::string& name, const std::string& hostname,
                             int64_t up_to, int limit);
  // All of a cell's runs (every column of runs), in run order.
  std::vector<Columns> cell_runs(int64_t cell_id);
  // calibration: true -- stores a time of the calibration kernel taken after the run
  // numbered `after_sequence` (0: before the first), and returns all of the
  // experiment's, in the order they were taken.
  std::vector<double> record_calibration(int64_t experiment_id, int64_t after_sequence, double kernel_ms);
  // The experiment's drift (measure/drift.h), and with `warn` the code drift among its warnings.
  void record_drift(int64_t experiment_id, double share, bool warn);
  // runs: auto: the cell has run enough, for `reason` (measure/precision.h); "": not
  // (yet), the reason cleared.
  void stop_cell(int64_t cell_id, const std::string& reason);
  // A cell's measured ok runs (every column of runs), in run order.
  std::vector<Columns> measured_runs(int64_t cell_id);
  // The newest cell with `settings_hash` on `hostname` that has at least two measured
  // ok runs: cell_id, experiment_id, started_at.
  std::optional<Columns> latest_cell(const std::string& settings_hash, const std::string& hostname);
  // The p50s of the cell with `settings_hash` in the `limit` latest experiments named
  // `name` on `hostname` before experiment `before`, newest first.
  std::vector<double> history_p50s(const std::string& settings_hash, const std::string& name,
                                   const std::string& hostname, int64_t before, int limit);

  // An experiment's cell ids, by cell index.
  ExperimentIds experiment_ids(int64_t experiment_id);
  // The (cell index, run index) of every run stored for the experiment, less those
  // its Slurm jobs did not finish (status slurm_*).
  std::set<std::pair<int, int>> stored_run_indices(int64_t experiment_id);
  // Every measured run's host facts (the run_hosts view: hostname, cpu_model, kernel,
  // governor, smt, memory_mib) with its cell_index and cell, one row per distinct
  // cell and host, in cell order.
  std::vector<Columns> cell_hosts(int64_t experiment_id);
  // Sets an experiment's status (running, submitted, finished, interrupted).
  void set_experiment_status(int64_t experiment_id, const std::string& status);
  // What was learnt of the machine once the experiment began -- the host's load after
  // its first run, what a Slurm job's experiment said of its node -- added to the
  // experiment's own: warning codes (warnings.h) and drift, the largest kept.
  void add_experiment_context(int64_t experiment_id, const std::string& warnings, std::optional<double> drift_share);

  // Slurm (slurm/slurm_submission.h). A job's row, stored before sbatch is asked, so
  // that a submitter that dies leaves it known: returns its id.
  int64_t add_slurm_job(int64_t experiment_id, std::optional<int> replica, const std::string& share,
                        const std::string& job_db);
  void set_slurm_job_id(int64_t row_id, int64_t job_id);
  // An experiment's jobs (every column of slurm_jobs), in submission order.
  std::vector<Columns> slurm_jobs(int64_t experiment_id);
  // Experiments with a job not collected yet, oldest first.
  std::vector<int64_t> experiments_with_uncollected_jobs();
  // What Slurm said of an ended job, and how many runs were ingested from it.
  void finish_slurm_job(int64_t row_id, const Columns& end, int64_t runs_collected);
  // The hosts row of the facts (measure/hosts.h: kHostFactColumns) in `row` -- e.g.
  // a Slurm job's experiments row -- added when new.
  int64_t host_id(const Columns& row);

  // A job's own DB, checked as the constructor checks any DB (read only, at this
  // build's schema), then attached to this one read only as `job` until the object
  // dies. Throws UserError as the constructor does.
  class AttachedJobDb {
   public:
    AttachedJobDb(ResultStore& store, const std::string& path);
    ~AttachedJobDb();
    AttachedJobDb(const AttachedJobDb&) = delete;
    AttachedJobDb& operator=(const AttachedJobDb&) = delete;
    // Its experiments rows, oldest first.
    std::vector<Columns> experiments();
    // The runs of its experiment `experiment_id` that ended (not running, not
    // aborted): id, run_index, is_warmup, status, cell_index, stop_reason.
    std::vector<Columns> ended_runs(int64_t experiment_id);
    // Copies its run `job_run_id` -- runs row, phases, samples -- into this DB's cell
    // `cell_id` with `host_id` and `slurm_job_id`, in one transaction. A stored
    // warm-up of the same run_index is replaced (the job warmed its own node); a stored
    // measured run is kept, and false returned.
    bool ingest_run(int64_t job_run_id, int64_t cell_id, int64_t host_id, int64_t slurm_job_id);

   private:
    ResultStore& store_;
  };
  // A run a Slurm job was given and did not finish: stored with its `status`
  // (slurm_cancelled, slurm_timeout, ...) and Slurm's reason, in one transaction;
  // nothing when the run is stored already.
  void record_unfinished_run(int64_t cell_id, int run_index, bool warmup, const std::string& status,
                             const std::string& reason, int64_t slurm_job_id);

 private:
  void check_folder(const PathInFolder& file) const;
  void check_file(const PathInFolder& file) const;
  void check_integrity();
  void distrust_schema();
  void check_tables(int version);
  void check_readable_version();
  UserError damaged(const std::string& why) const;
  // A DB error as a UserError: a stop signal's is kExitInterrupted, a statement past
  // its budget says so; `doing` is what failed ("cannot store a run").
  // (A stop, for the StopCheck given.)
  UserError failed(const std::exception& e, const std::string& doing, const std::string& hint) const;
  void migrate();
  void fill_settings_hashes();
  // Stores the statistics of `cell_id` from its runs, inside the caller's transaction.
  void refresh_cell_statistics(int64_t cell_id);
  // Cells with no cell_statistics row (an older orchestrator left them mid-cell).
  std::vector<int64_t> cells_without_statistics();
  void refresh_missing_statistics();
  void use_temp_views();
  void complete_run(int64_t run_id, int64_t cell_id, const RunRecord& run);
  // The rows `query` selects, each column by its name; `bind` fills its parameters.
  std::vector<Columns> select_rows(const std::string& query, const std::function<void(SQLite::Statement&)>& bind);
  // Adds `codes` (warnings.h) to the experiment's warnings, each once, inside the
  // caller's transaction.
  void add_warning_codes(int64_t experiment_id, const std::vector<std::string>& codes);
  void insert_row(const std::string& table, const Columns& columns, bool replace = false);
  // Deletes the runs that `select_ids` (a SELECT of run ids; `bind` fills its
  // parameters) names, with their phases and samples, inside the caller's transaction.
  void delete_runs(const std::string& select_ids, const std::function<void(SQLite::Statement&)>& bind);
  // Runs fn, turning a DB failure (disk full, I/O error) into a UserError.
  template <typename Fn>
  auto guarded(Fn&& fn) -> decltype(fn());

  // When the statement running now began, for the progress handler's budget.
  struct QueryClock {
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::duration budget;
    StopCheck stopped;
    bool overran = false;
  };

  std::string path_;
  bool read_only_ = false;
  std::unique_ptr<SQLite::Database> db_;
  QueryClock clock_;
  int opened_at_version_ = 0;
};

}  // namespace orch

// Experiments, cells and runs as the DB holds them: an experiment and its cells are
// stored when it begins; a run is stored as 'running' when it starts, and completed --
// status, phases, samples, its cell's statistics -- in one transaction when it ends,
// so a crash of the orchestrator loses at most the run in flight.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/system_info.h"
#include "common/value.h"
#include "matrix/experiment.h"
#include "measure/run_record.h"
#include "process/process_identity.h"
#include "store/database.h"
#include "store/history.h"
#include "store/rows.h"

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

struct ExperimentIds {
  int64_t experiment_id = 0;
  std::vector<int64_t> cell_ids;  // by cell index
};

class ExperimentRecords {
 public:
  ExperimentRecords(Database& db, History& history) : db_(db), history_(history) {}

  // `cell_commands` are the cells' command lines as `plan` shows them.
  // `order_seed` is stored for order: random.
  ExperimentIds begin_experiment(const Experiment& experiment, const SystemInfo& system,
                                 const std::vector<std::string>& cell_commands, const HostContext& host = {},
                                 int64_t order_seed = 0);
  // Every transaction that changes a cell's runs stores its statistics row anew, in
  // that transaction (History): a row is never stale, and a cell being measured shows
  // its statistics as of its last stored run. Both throw UserError on a DB error.
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
  // Deletes the runs that `select_ids` (a SELECT of run ids; `bind` fills its
  // parameters) names, with their phases and samples, inside the caller's transaction.
  void delete_runs(const std::string& select_ids, const std::function<void(SQLite::Statement&)>& bind);

  // An experiment's id from "latest", "previous" (the one before the latest) or its
  // number. Throws UserError when there is no such experiment.
  int64_t find_experiment(const std::string& which);
  // Its experiments row (the matrix file's text aside); id 0 when there is none.
  ExperimentRow experiment(int64_t experiment_id);
  // The matrix file as the experiment read it.
  std::string matrix_text(int64_t experiment_id);
  // An experiment's cell ids, by cell index.
  ExperimentIds experiment_ids(int64_t experiment_id);
  // The (cell index, run index) of every run stored for the experiment, less those
  // its Slurm jobs did not finish (status slurm_*).
  std::set<std::pair<int, int>> stored_run_indices(int64_t experiment_id);
  // Sets an experiment's status (running, submitted, finished, interrupted).
  void set_experiment_status(int64_t experiment_id, const std::string& status);
  // What was learnt of the machine once the experiment began -- the host's load after
  // its first run, what a Slurm job's experiment said of its node -- added to the
  // experiment's own: warning codes (warnings.h) and drift, the largest kept.
  void add_experiment_context(int64_t experiment_id, const std::string& warnings, std::optional<double> drift_share);
  // calibration: true -- stores a time of the calibration kernel taken after the run
  // numbered `after_sequence` (0: before the first), and returns all of the
  // experiment's, in the order they were taken.
  std::vector<double> record_calibration(int64_t experiment_id, int64_t after_sequence, double kernel_ms);
  // The experiment's drift (measure/drift.h), and with `warn` the code drift among its warnings.
  void record_drift(int64_t experiment_id, double share, bool warn);
  // runs: auto: the cell has run enough, for `reason` (measure/precision.h); "": not
  // (yet), the reason cleared.
  void stop_cell(int64_t cell_id, const std::string& reason);

 private:
  void complete_run(int64_t run_id, int64_t cell_id, const RunRecord& run);
  // Adds `codes` (warnings.h) to the experiment's warnings, each once, inside the
  // caller's transaction.
  void add_warning_codes(int64_t experiment_id, const std::vector<std::string>& codes);

  Database& db_;
  History& history_;
};

}  // namespace orch

// Slurm jobs as the DB holds them (slurm/slurm_submission.h), and the ingest of a
// job's own DB into the main one, one transaction per run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/value.h"
#include "store/database.h"
#include "store/experiment_records.h"
#include "store/history.h"
#include "store/rows.h"

namespace orch {

class SlurmJobRecords {
 public:
  SlurmJobRecords(Database& db, ExperimentRecords& experiments, History& history)
      : db_(db), experiments_(experiments), history_(history) {}

  // A job's row, stored before sbatch is asked, so that a submitter that dies leaves
  // it known: returns its id.
  int64_t add_slurm_job(int64_t experiment_id, std::optional<int> replica, const std::string& share,
                        const std::string& job_db);
  void set_slurm_job_id(int64_t row_id, int64_t job_id);
  // An experiment's jobs, in submission order.
  std::vector<SlurmJobRow> slurm_jobs(int64_t experiment_id);
  // Experiments with a job not collected yet, oldest first.
  std::vector<int64_t> experiments_with_uncollected_jobs();
  // What Slurm said of an ended job, and how many runs were ingested from it.
  void finish_slurm_job(int64_t row_id, const Columns& end, int64_t runs_collected);
  // The hosts row of an experiment's host facts (measure/hosts.h: kHostFactColumns) --
  // a Slurm job's experiment, say -- added when new.
  int64_t host_id(const ExperimentRow& experiment);
  // A run a Slurm job was given and did not finish: stored with its `status`
  // (slurm_cancelled, slurm_timeout, ...) and Slurm's reason, in one transaction;
  // nothing when the run is stored already.
  void record_unfinished_run(int64_t cell_id, int run_index, bool warmup, const std::string& status,
                             const std::string& reason, int64_t slurm_job_id);

 private:
  friend class AttachedJobDb;
  Database& db_;
  ExperimentRecords& experiments_;
  History& history_;
};

// A job's own DB, checked as any DB is (read only, at this build's schema), then
// attached to the main one read only as `job` until the object dies. Throws UserError
// as Database's constructor does.
class AttachedJobDb {
 public:
  AttachedJobDb(SlurmJobRecords& jobs, const std::string& path);
  ~AttachedJobDb();
  AttachedJobDb(const AttachedJobDb&) = delete;
  AttachedJobDb& operator=(const AttachedJobDb&) = delete;
  // Its experiments, oldest first (every column kept: the host facts among them).
  std::vector<ExperimentRow> experiments();
  // The runs of its experiment `experiment_id` that ended (not running, not aborted).
  std::vector<JobRunRow> ended_runs(int64_t experiment_id);
  // Copies its run `job_run_id` -- runs row, phases, samples -- into the main DB's
  // cell `cell_id` with `host_id` and `slurm_job_id`, in one transaction. A stored
  // warm-up of the same run_index is replaced (the job warmed its own node); a stored
  // measured run is kept, and false returned.
  bool ingest_run(int64_t job_run_id, int64_t cell_id, int64_t host_id, int64_t slurm_job_id);

 private:
  SlurmJobRecords& jobs_;
};

}  // namespace orch

// The results DB (SQLite): the only user of SQLiteCpp. It is opened and checked as a
// Database (database.h); its parts, by concept, are the experiments with their cells
// and runs (experiment_records.h), statistics and history (history.h), baselines
// (baselines.h), and Slurm jobs with the ingest of their DBs (slurm_job_records.h).
#pragma once

#include <string>

#include "store/baselines.h"
#include "store/database.h"
#include "store/experiment_records.h"
#include "store/history.h"
#include "store/slurm_job_records.h"

namespace orch {

class ResultStore {
 public:
  using Access = Database::Access;
  using StopCheck = Database::StopCheck;
  using ExperimentIds = orch::ExperimentIds;
  using Resumption = ExperimentRecords::Resumption;
  using RunningExperiment = ExperimentRecords::RunningExperiment;
  static constexpr double kDefaultQueryBudgetS = Database::kDefaultQueryBudgetS;

  // Opens and checks the DB (database.h). Then a writer stores the statistics of cells
  // that lack them; a reader uses this build's views, made TEMP on its connection
  // (never the file's own), over the stored statistics, and computes in memory those
  // of cells that lack them.
  explicit ResultStore(const std::string& path, Access access = Access::kWrite, StopCheck stopped = {});

  static void set_query_budget(double seconds) { Database::set_query_budget(seconds); }
  static int latest_schema_version() { return Database::latest_schema_version(); }
  int schema_version() const { return db_.schema_version(); }
  int opened_at_version() const { return db_.opened_at_version(); }

  ExperimentRecords& experiments() { return experiments_; }
  History& history() { return history_; }
  Baselines& baselines() { return baselines_; }
  SlurmJobRecords& slurm() { return slurm_; }

 private:
  Database db_;
  History history_;
  ExperimentRecords experiments_;
  Baselines baselines_;
  SlurmJobRecords slurm_;
};

}  // namespace orch

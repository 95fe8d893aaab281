// Rows the store reads back, typed: each mapped from its columns' names once, inside
// store/, so that a misspelt column is a compile error everywhere else. A row that
// reports show whole (an experiment, a cell of cell_summary) also keeps every column
// by name, for the machine-readable formats and `report --columns`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/value.h"

namespace orch {

// An experiments row (the matrix file's text aside).
struct ExperimentRow {
  int64_t id = 0;
  std::string name, status, started_at, hostname, matrix_path, matrix_hash, slurm_split;
  std::string warnings;  // codes (warnings.h), comma-separated
  std::optional<double> drift_share;
  Columns columns;  // every column read, by name
};

// A cell_summary row: the cell, its settings in effect and its statistics.
struct CellSummaryRow {
  int64_t cell_id = 0;
  int cell_index = 0;
  std::string cell;  // its label
  std::string settings_hash;
  std::string stop_reason;  // runs: auto, "" while it runs
  int64_t runs = 0, runs_ok = 0;
  std::string warnings;     // codes, comma-separated
  std::string attribution;  // measure/attribution.h
  // The p50 (median of the runs' p50s) and its interval, with the confidence it has.
  std::optional<double> latency_p50_ms, p50_low_ms, p50_high_ms, p50_confidence;
  Columns columns;  // every column of the view, by name
};

// The host facts (measure/hosts.h: kHostFactColumns) a cell's measured runs ran with.
struct CellHost {
  int cell_index = 0;
  Columns facts;
};

// A slurm_jobs row.
struct SlurmJobRow {
  int64_t id = 0;
  std::optional<int64_t> job_id;  // nullopt until sbatch answered
  std::optional<int> replica;
  std::string share, job_db;
  bool collected = false;
};

// A run of a Slurm job's DB that ended (not running, not aborted).
struct JobRunRow {
  int64_t id = 0;  // in the job's DB
  int run_index = 0;
  int cell_index = 0;
  std::string stop_reason;  // its cell's, runs: auto
};

// A cell's newest measurement on a host, in a finished experiment (plan --from-history).
struct LatestCell {
  int64_t cell_id = 0;
  int64_t experiment_id = 0;
  std::string started_at;
  std::vector<int> outlier_runs;  // the run indices its statistics call outliers
};

// A cell's p50 on one night (the HTML report's trend).
struct NightP50 {
  int64_t experiment_id = 0;
  std::string started_at;
  double p50_ms = 0, low_ms = 0, high_ms = 0;
};

}  // namespace orch

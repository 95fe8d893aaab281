// Statistics and history: each cell's statistics row (measure/cell_statistics.h),
// stored anew in every transaction that changes the cell's runs, and the queries of
// what was measured -- an experiment's cells, a cell's runs and samples, a cell's
// earlier nights.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/value.h"
#include "measure/stored_run.h"
#include "store/database.h"
#include "store/rows.h"

namespace orch {

class History {
 public:
  explicit History(Database& db) : db_(db) {}

  // Stores the statistics of `cell_id` from its runs, inside the caller's transaction.
  void refresh_cell_statistics(int64_t cell_id);
  // A writer's: stores the statistics of cells that lack them (an older orchestrator
  // left them mid-cell, or a migration asked for them anew), one transaction per cell.
  void refresh_missing_statistics();
  // A reader's: computes them in memory instead, into a TEMP copy of cell_statistics
  // that this connection's views read (the file is never written).
  void compute_missing_statistics();

  // The cell_summary view's rows of one experiment, in cell order.
  std::vector<CellSummaryRow> cell_summary(int64_t experiment_id);
  // The timed iterations (ms) of a cell's measured ok runs, run by run.
  std::vector<std::vector<double>> measured_samples(int64_t cell_id);
  // All of a cell's runs, in run order.
  std::vector<StoredRun> cell_runs(int64_t cell_id);
  // The newest cell with `settings_hash` on `hostname` in a finished experiment (one
  // still running, or interrupted, is no history yet) that has at least two measured
  // ok runs.
  std::optional<LatestCell> latest_cell(const std::string& settings_hash, const std::string& hostname);
  // The p50s of the cell with `settings_hash` in the `limit` latest experiments named
  // `name` on `hostname` before experiment `before`, newest first.
  std::vector<double> history_p50s(const std::string& settings_hash, const std::string& name,
                                   const std::string& hostname, int64_t before, int limit);
  // The p50 of the cell with `settings_hash` in the `limit` latest experiments named
  // `name` on `hostname` up to experiment `up_to` (included), oldest first.
  std::vector<NightP50> trend(const std::string& settings_hash, const std::string& name, const std::string& hostname,
                              int64_t up_to, int limit);
  // Every measured ok run's host facts (the run_hosts view), one per distinct cell
  // and host, in cell order.
  std::vector<CellHost> cell_hosts(int64_t experiment_id);

 private:
  // Cells with no cell_statistics row.
  std::vector<int64_t> cells_without_statistics();

  Database& db_;
};

}  // namespace orch

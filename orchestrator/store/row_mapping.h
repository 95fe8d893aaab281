// Inside store/ only: rows read by column name, mapped to the typed rows of rows.h
// and measure/stored_run.h, each in one place.
#pragma once

#include <vector>

#include "common/value.h"
#include "measure/stored_run.h"
#include "store/rows.h"

namespace orch {

ExperimentRow experiment_row(Columns row);
CellSummaryRow cell_summary_row(Columns row);
SlurmJobRow slurm_job_row(const Columns& row);
JobRunRow job_run_row(const Columns& row);
StoredRun stored_run(const Columns& row);

// Each row of `rows`, mapped by `map`.
template <typename Row, typename Map>
std::vector<Row> mapped(std::vector<Columns> rows, Map map) {
  std::vector<Row> typed;
  typed.reserve(rows.size());
  for (auto& row : rows) typed.push_back(map(std::move(row)));
  return typed;
}

}  // namespace orch

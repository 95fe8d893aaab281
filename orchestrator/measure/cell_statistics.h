// A cell's statistics, from its stored runs: what cell_summary shows beyond the cell's
// settings. The store calls it in every transaction that changes a cell's runs (a
// finished run, an ingested one, a resume, a repair) and stores the row it returns in
// cell_statistics; a reader calls it for a cell whose row is missing.
#pragma once

#include <vector>

#include "common/value.h"
#include "measure/stored_run.h"

namespace orch {

// `runs` are the cell's runs as the results DB holds them, in run order (the store
// reads them back). Returns the row of cell_statistics, its columns named as there
// (schemas/migrations/011_stored_statistics.sql), cell_id and computed_at left to the
// store:
// - runs, runs_ok: measured (non-warm-up) runs, and those of them that are ok;
// - what was in effect: the distinct values of the measured runs, in run order;
// - limit_mismatches, failures (distinct statuses that are not ok), warnings (the runs'
//   codes and the cell's own, sorted);
// - the median over the measured ok runs of each metric, NULLs not counted (the mean of
//   the two middle values for an even count; integers truncated);
// - the bootstrap 95% CI of the median run p50 and the run-to-run CV of the p50s.
// - latency_p99_ms: the 99th percentile over `samples`, the timed iterations of the
//   measured ok runs (History::measured_samples); without any, the median of the
//   runs' p99s.
Columns cell_statistics(const std::vector<StoredRun>& runs, const std::vector<std::vector<double>>& samples = {});

}  // namespace orch

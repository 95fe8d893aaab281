// Adaptive precision (runs: auto): when a cell has run enough, and what that saved
// against a fixed plan. Pure functions over a cell's stored runs, no I/O.
//
// The stopping rule: after each of the cell's runs, its interval -- the one
// cell_summary shows, the order-statistic interval of the median of its ok runs' p50s
// (intervals.h), which carries both levels of noise -- must have at least
// kTargetConfidence and both ends within +-target_percent of the cell's p50. Otherwise
// the cell stops at max_runs measured runs, or once its runs, warm-ups included, took
// max_minutes of wall time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/value.h"
#include "matrix/experiment.h"
#include "measure/stored_run.h"

namespace orch {

// What a cell has run so far.
struct CellProgress {
  std::vector<double> p50s;  // of its measured ok runs, in run order
  int measured_runs = 0;     // ok or not
  double machine_s = 0;      // wall time of all its runs, warm-ups included
  double measured_s = 0;     // of its measured runs
};
// From the cell's stored runs ('running' and 'aborted' ones not counted: they are not
// finished, and --resume runs them again).
CellProgress progress_of(const std::vector<StoredRun>& runs);

enum class StopReason { kTarget, kMaxRuns, kTime };
std::string stop_reason_name(StopReason reason);  // target, max-runs, time: as stored in cells.stop_reason

// The larger distance of the interval's ends from the cell's p50, as a share of it;
// nullopt while the interval is short of kTargetConfidence (fewer than 6 ok runs).
std::optional<double> relative_precision(const std::vector<double>& p50s);

// Why the cell stops now; nullopt: it needs another run.
std::optional<StopReason> stop_reason(const Precision& precision, const CellProgress& progress);

// A fixed plan gives every cell the same runs; to give each cell the precision it
// reached here, it needs as many as the cell that needed the most. `cells` are those of
// runs: auto.
struct FixedPlanComparison {
  int fixed_runs = 0;  // measured runs per cell of that plan
  int64_t runs = 0;    // measured runs done
  int64_t fixed_plan_runs = 0;
  double machine_s = 0;  // of every run done, warm-ups included
  double saved_s = 0;    // what the fixed plan's extra runs would have taken, at each cell's mean run time
};
FixedPlanComparison compare_with_fixed_plan(const std::vector<CellProgress>& cells);

}  // namespace orch

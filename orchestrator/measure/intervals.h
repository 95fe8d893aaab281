// Intervals that say how sure they are: each carries the confidence its construction
// really has. Pure functions, no I/O.
//
// Two levels of noise make a cell's figure: runs are fresh processes (placement, page
// cache, the machine's state), and iterations within a run are not independent of
// each other. A run's p50 already carries both, so an interval over the runs' p50s
// accounts for both; comparing two cells by their iterations alone would not.
#pragma once

#include <cstddef>
#include <vector>

#include "protocol/order_statistics.h"

namespace orch {

// The order-statistic interval of a median, shared with the workers (iterations: auto).
using protocol::Interval;
using protocol::median_interval;
using protocol::order_statistic_coverage;
using protocol::values_for_confidence;

// A cell's steady-state figure from its runs' timed iterations: the median over runs
// of each run's p50.
double median_of_run_medians(const std::vector<std::vector<double>>& runs);

// The ratio median_of_run_medians(slow) / median_of_run_medians(fast), and its
// two-level (hierarchical) percentile-bootstrap interval (Kalibera and Jones,
// "Rigorous benchmarking in reasonable time", ISMM 2013): each resample draws the runs
// of each cell with replacement, then the iterations within each drawn run. A fixed
// seed: the same samples always give the same interval. Requires every run non-empty.
struct Ratio {
  double ratio = 0;
  Interval interval;  // confidence: the bootstrap's nominal level
};
Ratio ratio_interval(const std::vector<std::vector<double>>& slow, const std::vector<std::vector<double>>& fast,
                     double confidence = 0.95, int resamples = 2000, unsigned seed = 20261201);

}  // namespace orch

// Where a cell's variance comes from, and the cheapest plan that reaches a target:
// the variance components of Kalibera and Jones ("Rigorous benchmarking in reasonable
// time", ISMM 2013), over the runs' means. Pure functions, no I/O.
//
// A cell's timed iterations are modelled as X_ij = mu + a_i + e_ij: a_i the run's own
// offset (its fresh process: placement, page cache, the machine's state), e_ij an
// iteration's noise within it. From n runs of m_i iterations, with run means X_i, run
// standard deviations s_i and grand mean X:
//   within  T1^2 = sum (m_i - 1) s_i^2 / sum (m_i - 1)       (an iteration's variance)
//   between T2^2 = max(0, S2^2 - T1^2 / m),  S2^2 = sum (X_i - X)^2 / (n - 1)
// with m the harmonic mean of the iteration counts. A cell mean over n runs of m iterations then has
// variance T2^2 / n + T1^2 / (n m).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/value.h"
#include "measure/stored_run.h"

namespace orch {

struct RunMoments {
  double mean_ms = 0;
  double stddev_ms = 0;  // sample standard deviation of its iterations
  int64_t iterations = 0;
};

struct VarianceComponents {
  double mean_ms = 0;     // the grand mean
  double within = 0;      // T1^2, ms^2
  double between = 0;     // T2^2, ms^2
  double iterations = 0;  // m, the harmonic mean of the runs' iteration counts
  // Of the variance of one run's mean, the share that is run to run: T2^2 / (T2^2 +
  // T1^2 / m). Near 1: more runs help, more iterations do not.
  double between_share() const;
};
// nullopt with fewer than two runs, or a run of fewer than two iterations.
std::optional<VarianceComponents> variance_components(const std::vector<RunMoments>& runs);
// The same from measured ok runs' rows of the runs table (their latency mean,
// standard deviation and count).
std::optional<VarianceComponents> variance_components(const std::vector<const StoredRun*>& runs);

// The half-width of the 95% interval (Student's t, n - 1 degrees of freedom) of the
// mean of n runs of m iterations each, as a share of the mean.
double relative_half_width(const VarianceComponents& components, int runs, int iterations);

// What a run costs in machine time: its fixed part (the fresh process, loading,
// warm-up iterations) and each timed iteration.
struct RunCost {
  double per_run_s = 0;
  double per_iteration_s = 0;
};

// The medians over measured ok runs (rows of the runs table): wall time less the timed
// loop, and the timed loop per iteration.
RunCost cost_of(const std::vector<const StoredRun*>& runs);

struct Plan {
  int runs = 0;
  int iterations = 0;
  double machine_s = 0;            // runs x (per run + iterations x per iteration)
  double relative_half_width = 0;  // as relative_half_width() gives it
};
// The plan of least machine time whose relative_half_width is at most `target` (0.02
// for +-2%), over iterations from `min_iterations` to `max_iterations` and at least
// `min_runs` runs (6: what the cell's median interval needs for 95%). Kalibera and
// Jones's optimum, m = sqrt(per_run / per_iteration * T1^2 / T2^2), is where it lands
// when the range allows; nullopt when no plan of at most `max_runs` runs reaches it.
std::optional<Plan> cheapest_plan(const VarianceComponents& components, const RunCost& cost, double target,
                                  int min_runs, int min_iterations, int max_iterations, int max_runs = 100000);

}  // namespace orch

// Descriptive statistics over latency samples: pure functions, no I/O.
#pragma once

#include <cstddef>
#include <vector>

namespace orch {

struct LatencySummary {
  size_t n = 0;
  double mean_ms = 0;
  double stddev_ms = 0;  // sample standard deviation (n - 1); 0 when n < 2
  double cv = 0;         // stddev / mean; 0 when the mean is 0
  double min_ms = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

// The q-quantile (0 <= q <= 1) of sorted values, interpolating linearly between
// the closest ranks (numpy's default). Requires a non-empty input.
double percentile(const std::vector<double>& sorted, double q);

// Requires a non-empty input.
LatencySummary summarize(std::vector<double> samples_ms);

// Requires a non-empty input.
double median(std::vector<double> values);

// Sample coefficient of variation (stddev / mean); 0 when n < 2 or the mean is 0.
double coefficient_of_variation(const std::vector<double>& values);

}  // namespace orch

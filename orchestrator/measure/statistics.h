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

// Iglewicz and Hoaglin's modified Z-score of each value: 0.6745 (x - median) / MAD,
// with MAD the median absolute deviation from the median. Robust: an outlier does not
// hide itself by inflating the spread, as it would a standard deviation. Where MAD is
// 0 (most values equal), a value off the median scores infinity, the median's 0.
std::vector<double> modified_z_scores(const std::vector<double>& values);
// Above this |score| a value is an outlier (Iglewicz and Hoaglin's recommendation;
// hyperfine flags outliers by the same score).
inline constexpr double kOutlierScore = 3.5;
// How many of `values` are outliers by that rule.
size_t count_outliers(const std::vector<double>& values);

// Sample coefficient of variation (stddev / mean); 0 when n < 2 or the mean is 0.
double coefficient_of_variation(const std::vector<double>& values);

}  // namespace orch

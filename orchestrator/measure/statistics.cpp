// Latency statistics (see statistics.h).
#include "measure/statistics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>

namespace orch {

double percentile(const std::vector<double>& sorted, double q) {
  assert(!sorted.empty() && q >= 0 && q <= 1);
  const double rank = q * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(rank));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (rank - static_cast<double>(below));
}

LatencySummary summarize(std::vector<double> samples_ms) {
  assert(!samples_ms.empty());
  std::sort(samples_ms.begin(), samples_ms.end());
  LatencySummary s;
  s.n = samples_ms.size();
  s.mean_ms = std::accumulate(samples_ms.begin(), samples_ms.end(), 0.0) / static_cast<double>(s.n);
  if (s.n > 1) {
    double squares = 0;
    for (double x : samples_ms) squares += (x - s.mean_ms) * (x - s.mean_ms);
    s.stddev_ms = std::sqrt(squares / static_cast<double>(s.n - 1));
  }
  s.cv = s.mean_ms != 0 ? s.stddev_ms / s.mean_ms : 0;
  s.min_ms = samples_ms.front();
  s.max_ms = samples_ms.back();
  s.p50_ms = percentile(samples_ms, 0.50);
  s.p90_ms = percentile(samples_ms, 0.90);
  s.p99_ms = percentile(samples_ms, 0.99);
  return s;
}

double median(std::vector<double> values) {
  assert(!values.empty());
  std::sort(values.begin(), values.end());
  return percentile(values, 0.5);
}

double coefficient_of_variation(const std::vector<double>& values) {
  return values.size() < 2 ? 0 : summarize(values).cv;
}

std::vector<double> modified_z_scores(const std::vector<double>& values) {
  if (values.empty()) return {};
  const double center = median(values);
  std::vector<double> deviations;
  for (double value : values) deviations.push_back(std::abs(value - center));
  const double mad = median(deviations);
  std::vector<double> scores;
  for (double value : values)
    scores.push_back(mad > 0           ? 0.6745 * (value - center) / mad
                     : value == center ? 0.0
                                       : std::copysign(std::numeric_limits<double>::infinity(), value - center));
  return scores;
}

size_t count_outliers(const std::vector<double>& values) {
  const auto scores = modified_z_scores(values);
  return static_cast<size_t>(
      std::count_if(scores.begin(), scores.end(), [](double score) { return std::abs(score) > kOutlierScore; }));
}

}  // namespace orch

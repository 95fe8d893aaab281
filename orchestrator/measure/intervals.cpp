// Intervals with their real confidence (see intervals.h).
#include "measure/intervals.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <random>

#include "measure/statistics.h"

namespace orch {
namespace {

// P(Binomial(n, 1/2) <= j), summed in logs: exact enough for any n a cell has.
double binomial_half_cdf(size_t n, size_t j) {
  double total = 0;
  for (size_t i = 0; i <= j && i <= n; ++i)
    total += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) - n * std::log(2.0));
  return std::min(total, 1.0);
}

// One bootstrap resample of a cell: its runs drawn with replacement, then each drawn
// run's iterations drawn with replacement; returns the resample's statistic.
double resampled_statistic(const std::vector<std::vector<double>>& runs, std::mt19937& random,
                           std::vector<double>& iterations, std::vector<double>& run_medians) {
  std::uniform_int_distribution<size_t> pick_run(0, runs.size() - 1);
  run_medians.resize(runs.size());
  for (double& run_median : run_medians) {
    const std::vector<double>& run = runs[pick_run(random)];
    std::uniform_int_distribution<size_t> pick(0, run.size() - 1);
    iterations.resize(run.size());
    for (double& value : iterations) value = run[pick(random)];
    run_median = median(iterations);
  }
  return median(run_medians);
}

}  // namespace

double order_statistic_coverage(size_t n, size_t k) {
  if (k == 0 || 2 * k > n + 1) return 0;
  return std::max(0.0, 1 - 2 * binomial_half_cdf(n, k - 1));
}

Interval median_interval(std::vector<double> values, double target) {
  assert(!values.empty());
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  size_t k = 1;  // the widest: [min, max]
  while (2 * (k + 1) <= n + 1 && order_statistic_coverage(n, k + 1) >= target) ++k;
  return {values[k - 1], values[n - k], order_statistic_coverage(n, k)};
}

size_t values_for_confidence(double target) {
  size_t n = 1;
  while (order_statistic_coverage(n, 1) < target) ++n;
  return n;
}

double median_of_run_medians(const std::vector<std::vector<double>>& runs) {
  assert(!runs.empty());
  std::vector<double> medians;
  for (const auto& run : runs) medians.push_back(median(run));
  return median(medians);
}

Ratio ratio_interval(const std::vector<std::vector<double>>& slow, const std::vector<std::vector<double>>& fast,
                     double confidence, int resamples, unsigned seed) {
  assert(!slow.empty() && !fast.empty() && resamples > 0);
  Ratio result;
  result.ratio = median_of_run_medians(slow) / median_of_run_medians(fast);
  std::mt19937 random(seed);
  std::vector<double> ratios(static_cast<size_t>(resamples)), iterations, run_medians;
  for (double& ratio : ratios) {
    const double slow_statistic = resampled_statistic(slow, random, iterations, run_medians);
    ratio = slow_statistic / resampled_statistic(fast, random, iterations, run_medians);
  }
  std::sort(ratios.begin(), ratios.end());
  const double tail = (1 - confidence) / 2;
  result.interval = {percentile(ratios, tail), percentile(ratios, 1 - tail), confidence};
  return result;
}

}  // namespace orch

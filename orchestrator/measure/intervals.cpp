// Intervals with their real confidence (see intervals.h).
#include "measure/intervals.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <random>

#include "measure/statistics.h"

namespace orch {
namespace {

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

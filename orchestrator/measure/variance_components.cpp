// Variance components and the cheapest plan (see variance_components.h).
#include "measure/variance_components.h"

#include <algorithm>
#include <cmath>

#include "measure/stored_run.h"

namespace orch {
namespace {

// Student's t at 97.5% for `df` degrees of freedom.
double t_quantile(int df) {
  static constexpr double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                      2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                      2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < 1) return INFINITY;
  if (df <= 30) return kTable[df - 1];
  // Beyond the table, the Cornish-Fisher expansion around the normal's 1.96 (within
  // 0.001 of the exact value from 31 degrees on).
  const double z = 1.959964, v = df;
  return z + (z * z * z + z) / (4 * v) + (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * v * v);
}

}  // namespace

RunCost cost_of(const std::vector<const StoredRun*>& runs) {
  // The run's fixed part and its timed loop per iteration, in seconds, where it has both.
  auto part = [](const StoredRun& run, bool per_iteration) -> std::optional<double> {
    const auto wall = run.wall_ms, loop = run.timed_loop_ms, n = run.latency_n;
    if (!wall || !loop || !n || *n < 1) return std::nullopt;
    return (per_iteration ? *loop / *n : std::max(0.0, *wall - *loop)) / 1000;
  };
  const auto fixed = median_over(runs, [&](const StoredRun& run) { return part(run, false); });
  const auto per_iteration = median_over(runs, [&](const StoredRun& run) { return part(run, true); });
  if (!fixed || !per_iteration) return {};
  return {*fixed, *per_iteration};
}

double VarianceComponents::between_share() const {
  const double run_mean_variance = between + within / iterations;
  return run_mean_variance > 0 ? between / run_mean_variance : 0;
}

std::optional<VarianceComponents> variance_components(const std::vector<RunMoments>& runs) {
  if (runs.size() < 2) return std::nullopt;
  double squares = 0, degrees = 0, sum = 0, reciprocals = 0;
  for (const auto& run : runs) {
    if (run.iterations < 2) return std::nullopt;
    squares += static_cast<double>(run.iterations - 1) * run.stddev_ms * run.stddev_ms;
    degrees += static_cast<double>(run.iterations - 1);
    sum += run.mean_ms;
    reciprocals += 1 / static_cast<double>(run.iterations);
  }
  const double n = static_cast<double>(runs.size());
  VarianceComponents components;
  components.mean_ms = sum / n;
  components.within = squares / degrees;
  // The harmonic mean: a run mean's variance is T2^2 + T1^2 / m_i, and their average
  // over the runs T2^2 + T1^2 * mean(1 / m_i), which iterations: auto makes differ.
  components.iterations = n / reciprocals;
  double spread = 0;
  for (const auto& run : runs) spread += (run.mean_ms - components.mean_ms) * (run.mean_ms - components.mean_ms);
  components.between = std::max(0.0, spread / (n - 1) - components.within / components.iterations);
  return components;
}

std::optional<VarianceComponents> variance_components(const std::vector<const StoredRun*>& runs) {
  std::vector<RunMoments> moments;
  for (const StoredRun* run : runs)
    moments.push_back({run->latency_mean_ms.value_or(0), run->latency_stddev_ms.value_or(0),
                       static_cast<int64_t>(run->latency_n.value_or(0))});
  return variance_components(moments);
}

double relative_half_width(const VarianceComponents& components, int runs, int iterations) {
  if (runs < 2 || iterations < 1 || components.mean_ms <= 0) return INFINITY;
  const double variance = (components.between + components.within / iterations) / runs;
  return t_quantile(runs - 1) * std::sqrt(variance) / components.mean_ms;
}

std::optional<Plan> cheapest_plan(const VarianceComponents& components, const RunCost& cost, double target,
                                  int min_runs, int min_iterations, int max_iterations, int max_runs) {
  std::optional<Plan> best;
  if (components.mean_ms <= 0 || target <= 0) return best;
  // Iteration counts on a grid about 5% apart: the cost is flat near its optimum.
  for (double m = std::max(1, min_iterations); m <= max_iterations; m = std::max(m + 1, std::floor(m * 1.05))) {
    const int iterations = static_cast<int>(m);
    const double per_run_variance = components.between + components.within / iterations;
    // The normal's count, then up while Student's t (fewer degrees) asks for more.
    const double allowed = target * components.mean_ms;
    const double normal_runs = std::ceil(1.96 * 1.96 * per_run_variance / (allowed * allowed));
    int runs = std::max(min_runs, static_cast<int>(std::min(normal_runs, max_runs + 1.0)));
    while (runs <= max_runs && relative_half_width(components, runs, iterations) > target) ++runs;
    if (runs > max_runs) continue;
    const double machine_s = runs * (cost.per_run_s + iterations * cost.per_iteration_s);
    if (!best || machine_s < best->machine_s)
      best = Plan{runs, iterations, machine_s, relative_half_width(components, runs, iterations)};
  }
  return best;
}

}  // namespace orch

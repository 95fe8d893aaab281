// The distribution-free interval of a median, from order statistics: the orchestrator's
// for a cell's p50 (over its runs) and a run's (over its iterations), and the workers'
// for iterations: auto, which stop a run once its p50 is known well enough. Shared so
// that both sides apply one rule. Pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace protocol {

struct Interval {
  double low = 0;
  double high = 0;
  double confidence = 0;  // the probability that the construction covers the true value
};

// The confidence of [x_(k), x_(n+1-k)] (1-based order statistics of n values) as an
// interval for the median of the distribution they were drawn from:
// 1 - 2 * P(Binomial(n, 1/2) <= k - 1). Distribution-free.
double order_statistic_coverage(size_t n, size_t k);

// The narrowest such interval whose confidence is at least `target`; when n is too
// small for `target`, [min, max] with the confidence it has (3 values: 75%, not 95%).
// Requires a non-empty input.
Interval median_interval(std::vector<double> values, double target = 0.95);

// The fewest values for which median_interval reaches `target` (6 for 95%).
size_t values_for_confidence(double target = 0.95);

// How well the median of `values` is known: the larger distance of its 95% interval's
// ends from the median, as a share of it; nullopt while the interval is short of 95%
// (fewer than 6 values) or the median is not positive.
std::optional<double> median_precision(const std::vector<double>& values);

}  // namespace protocol

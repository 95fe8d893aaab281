// Order-statistic intervals of a median (see order_statistics.h).
#include "protocol/order_statistics.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace protocol {
namespace {

// P(Binomial(n, 1/2) = i) in logs, from i's: log C(n, i) - n log 2.
double log_binomial_half(size_t n, size_t i) {
  return std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) - n * std::log(2.0);
}

constexpr double kConfidence = 0.95;

}  // namespace

double order_statistic_coverage(size_t n, size_t k) {
  if (k == 0 || 2 * k > n + 1) return 0;
  double below = 0;  // P(Binomial(n, 1/2) <= k - 1)
  for (size_t i = 0; i < k; ++i) below += std::exp(log_binomial_half(n, i));
  return std::max(0.0, 1 - 2 * std::min(below, 1.0));
}

Interval median_interval(std::vector<double> values, double target) {
  assert(!values.empty());
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  // The largest k whose coverage reaches `target`, the binomial's tail summed once as k
  // grows (a run of a million iterations must not cost a million sums of a million).
  size_t k = 1;                                                           // the widest: [min, max]
  double log_term = log_binomial_half(n, 0), below = std::exp(log_term);  // P(X <= k - 1)
  while (2 * (k + 1) <= n + 1) {
    // P(X <= k) from P(X <= k - 1): the next term, P(X = k) = P(X = k - 1) (n - k + 1) / k.
    log_term += std::log(static_cast<double>(n - k + 1)) - std::log(static_cast<double>(k));
    const double next_below = below + std::exp(log_term);
    if (1 - 2 * std::min(next_below, 1.0) < target) break;
    below = next_below;
    ++k;
  }
  return {values[k - 1], values[n - k], std::max(0.0, 1 - 2 * std::min(below, 1.0))};
}

size_t values_for_confidence(double target) {
  size_t n = 1;
  while (order_statistic_coverage(n, 1) < target) ++n;
  return n;
}

std::optional<double> median_precision(const std::vector<double>& values) {
  if (values.size() < values_for_confidence(kConfidence)) return std::nullopt;
  const Interval interval = median_interval(values, kConfidence);
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  const double center = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  if (interval.confidence < kConfidence || center <= 0) return std::nullopt;
  return std::max(center - interval.low, interval.high - center) / center;
}

}  // namespace protocol

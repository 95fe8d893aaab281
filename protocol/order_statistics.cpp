// Order-statistic intervals of a median (see order_statistics.h).
#include "protocol/order_statistics.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace protocol {
namespace {

// P(Binomial(n, 1/2) <= j), summed in logs: exact enough for any n a cell has.
double binomial_half_cdf(size_t n, size_t j) {
  double total = 0;
  for (size_t i = 0; i <= j && i <= n; ++i)
    total += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) - n * std::log(2.0));
  return std::min(total, 1.0);
}

constexpr double kConfidence = 0.95;

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

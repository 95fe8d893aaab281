// Intervals with their real confidence: the order-statistic interval of the median,
// checked by simulation, and the two-level bootstrap of a ratio.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "measure/intervals.h"

TEST_CASE("order statistics: the confidence of [min, max] and of narrower intervals", "[intervals]") {
  CHECK(orch::order_statistic_coverage(3, 1) == Approx(0.75));     // 1 - 2/8
  CHECK(orch::order_statistic_coverage(5, 1) == Approx(0.9375));   // 1 - 2/32
  CHECK(orch::order_statistic_coverage(6, 1) == Approx(0.96875));  // 1 - 2/64
  CHECK(orch::order_statistic_coverage(10, 2) == Approx(1 - 2 * 11.0 / 1024));
  CHECK(orch::order_statistic_coverage(1, 1) == 0);
  CHECK(orch::values_for_confidence(0.95) == 6);
  CHECK(orch::values_for_confidence(0.75) == 3);
}

TEST_CASE("median interval: a 3-run cell claims 75%, not 95%, and more runs give a narrower 95% one", "[intervals]") {
  const auto three = orch::median_interval({10.3, 9.9, 10.1});
  CHECK(three.low == 9.9);
  CHECK(three.high == 10.3);
  CHECK(three.confidence == Approx(0.75));
  std::vector<double> twenty;
  for (int i = 0; i < 20; ++i) twenty.push_back(i);
  const auto wide = orch::median_interval(twenty);
  CHECK(wide.confidence >= 0.95);
  CHECK(wide.low > 0);  // not [min, max]: 20 values afford a narrower interval
  CHECK(wide.high < 19);
  CHECK(wide.low <= 9.5);
  CHECK(wide.high >= 9.5);
  const auto one = orch::median_interval({4.0});
  CHECK(one.low == 4.0);
  CHECK(one.confidence == 0);
}

TEST_CASE("median interval: by simulation, it covers the true median as often as it says", "[intervals]") {
  // Skewed latencies (log-normal, median exp(0) * 10 = 10 ms) at the run counts users have.
  std::mt19937 random(7);
  std::lognormal_distribution<double> latency(std::log(10.0), 0.3);
  const double true_median = 10.0;
  for (size_t n : {3, 5, 6, 10, 30}) {
    constexpr int kTrials = 20000;
    int covered = 0;
    double stated = 0;
    for (int trial = 0; trial < kTrials; ++trial) {
      std::vector<double> values(n);
      for (double& value : values) value = latency(random);
      const auto interval = orch::median_interval(values);
      covered += interval.low <= true_median && true_median <= interval.high;
      stated = interval.confidence;
    }
    INFO("n = " << n << ", stated " << stated);
    // Within 4 standard errors of the stated coverage.
    const double standard_error = std::sqrt(stated * (1 - stated) / kTrials);
    CHECK(static_cast<double>(covered) / kTrials == Approx(stated).margin(4 * standard_error + 1e-9));
  }
}

TEST_CASE("ratio of two cells: hand-computed point, and an interval around it from both levels", "[intervals]") {
  // Constant iterations: the ratio is exact, whatever is resampled.
  const std::vector<std::vector<double>> fast = {{2, 2, 2}, {2, 2, 2}, {2, 2, 2}};
  const std::vector<std::vector<double>> slow = {{3.62, 3.62}, {3.62, 3.62}, {3.62, 3.62}};
  const auto exact = orch::ratio_interval(slow, fast);
  CHECK(exact.ratio == Approx(1.81));
  CHECK(exact.interval.low == Approx(1.81));
  CHECK(exact.interval.high == Approx(1.81));
  CHECK(exact.interval.confidence == Approx(0.95));

  // Run p50s 4, 5, 6 against 2, 2.5, 3: median 5 / median 2.5 = 2. Every resampled
  // ratio lies between the smallest and largest run p50 ratios, 4/3 and 6/2.
  const std::vector<std::vector<double>> a = {{1.9, 2.0, 2.1}, {2.4, 2.5, 2.6}, {2.9, 3.0, 3.1}};
  const std::vector<std::vector<double>> b = {{3.9, 4.0, 4.1}, {4.9, 5.0, 5.1}, {5.9, 6.0, 6.1}};
  const auto ratio = orch::ratio_interval(b, a);
  CHECK(ratio.ratio == Approx(2.0));
  CHECK(ratio.interval.low <= 2.0);
  CHECK(ratio.interval.high >= 2.0);
  CHECK(ratio.interval.low >= 3.9 / 3.1);
  CHECK(ratio.interval.high <= 6.1 / 1.9);
  CHECK(ratio.interval.low < ratio.interval.high);
  // The same samples, the same interval.
  const auto again = orch::ratio_interval(b, a);
  CHECK(again.interval.low == ratio.interval.low);
  CHECK(again.interval.high == ratio.interval.high);
}

// Latency statistics against values computed by hand.
#include <catch2/catch.hpp>
#include <cmath>

#include "measure/statistics.h"

using Catch::Detail::Approx;

TEST_CASE("percentiles interpolate between the closest ranks", "[statistics]") {
  const std::vector<double> sorted = {1, 2, 3, 4};
  CHECK(orch::percentile(sorted, 0.0) == 1);
  CHECK(orch::percentile(sorted, 1.0) == 4);
  CHECK(orch::percentile(sorted, 0.5) == Approx(2.5));  // rank 1.5
  CHECK(orch::percentile(sorted, 0.9) == Approx(3.7));  // rank 2.7
  CHECK(orch::percentile({7}, 0.99) == 7);
}

TEST_CASE("a summary of samples", "[statistics]") {
  // mean 5; squared deviations 9+1+1+9+0 = 20; sample variance 20/4 = 5.
  const auto s = orch::summarize({8, 2, 4, 6, 5});
  CHECK(s.n == 5);
  CHECK(s.mean_ms == Approx(5));
  CHECK(s.stddev_ms == Approx(std::sqrt(5.0)));
  CHECK(s.cv == Approx(std::sqrt(5.0) / 5));
  CHECK(s.min_ms == 2);
  CHECK(s.max_ms == 8);
  CHECK(s.p50_ms == Approx(5));
  CHECK(s.p90_ms == Approx(7.2));   // sorted 2 4 5 6 8, rank 3.6: 6 + 0.6 * 2
  CHECK(s.p99_ms == Approx(7.92));  // rank 3.96
}

TEST_CASE("a single sample has no spread", "[statistics]") {
  const auto s = orch::summarize({3.5});
  CHECK(s.stddev_ms == 0);
  CHECK(s.cv == 0);
  CHECK(s.p99_ms == 3.5);
}

TEST_CASE("median and run-to-run CV", "[statistics]") {
  CHECK(orch::median({3, 1, 2}) == 2);
  CHECK(orch::median({4, 1, 3, 2}) == Approx(2.5));
  // mean 10, deviations -1 0 1: sample stddev 1, CV 0.1
  CHECK(orch::coefficient_of_variation({9, 10, 11}) == Approx(0.1));
  CHECK(orch::coefficient_of_variation({5}) == 0);
}

TEST_CASE("modified Z-scores flag a value far from the median, robustly", "[statistics]") {
  // Three runs near 10 ms and one at 14: the spread of the three sets the scale.
  const auto scores = orch::modified_z_scores({10.0, 10.2, 9.9, 14.0});
  REQUIRE(scores.size() == 4);
  CHECK(std::abs(scores[0]) < 1);
  CHECK(scores[3] > orch::kOutlierScore);
  CHECK(orch::count_outliers({10.0, 10.2, 9.9, 14.0}) == 1);
  CHECK(orch::count_outliers({10.0, 10.2, 9.9, 10.1}) == 0);
  // Most values equal: the one off the median is an outlier, the rest are not.
  CHECK(orch::count_outliers({5.0, 5.0, 5.0, 6.0}) == 1);
  CHECK(orch::modified_z_scores({}).empty());
}

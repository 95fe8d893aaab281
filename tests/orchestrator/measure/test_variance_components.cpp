// Variance components (Kalibera and Jones) and the cheapest plan from them.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "measure/statistics.h"
#include "measure/variance_components.h"

namespace {

// n runs of m iterations: mean 100 ms, each run offset by N(0, between), each
// iteration by N(0, within); the runs' moments as the store holds them.
std::vector<orch::RunMoments> simulated(int n, int m, double between_sd, double within_sd, unsigned seed) {
  std::mt19937 random(seed);
  std::normal_distribution<double> offset(0, between_sd), noise(0, within_sd);
  std::vector<orch::RunMoments> runs;
  for (int i = 0; i < n; ++i) {
    const double run_offset = offset(random);
    std::vector<double> samples;
    for (int j = 0; j < m; ++j) samples.push_back(100 + run_offset + noise(random));
    const auto summary = orch::summarize(samples);
    runs.push_back({summary.mean_ms, summary.stddev_ms, static_cast<int64_t>(summary.n)});
  }
  return runs;
}

}  // namespace

TEST_CASE("variance components: the estimates find the simulated run-to-run and within-run variance",
          "[variance-unit]") {
  const auto components = orch::variance_components(simulated(400, 50, 2, 1, 7));
  REQUIRE(components);
  CHECK(components->mean_ms == Approx(100).epsilon(0.01));
  CHECK(components->within == Approx(1).epsilon(0.05));
  CHECK(components->between == Approx(4).epsilon(0.2));
  // A run's mean: 4 of its 4 + 1/50 ms^2 are run to run.
  CHECK(components->between_share() == Approx(4 / 4.02).epsilon(0.01));
  // No run-to-run offset: the between part is (clamped) near 0, and its share too.
  const auto flat = orch::variance_components(simulated(400, 50, 0, 1, 8));
  CHECK(flat->between < 0.005);
  CHECK(flat->between_share() < 0.3);
  CHECK_FALSE(orch::variance_components(simulated(1, 50, 2, 1, 9)));
  // Runs of different lengths (iterations: auto): m is their harmonic mean, 2 / (1/10 + 1/1000).
  CHECK(orch::variance_components({{10, 1, 10}, {11, 1, 1000}})->iterations == Approx(2 / 0.101));
  CHECK_FALSE(orch::variance_components({{10, 1, 1}, {11, 1, 1}}));
}

TEST_CASE("variance components: the half-width is Student's t over the runs", "[variance-unit]") {
  const orch::VarianceComponents components{100, 100, 1, 10};
  // 6 runs of 100 iterations: t(5) = 2.571, sqrt((1 + 100/100) / 6) = 0.577.
  CHECK(orch::relative_half_width(components, 6, 100) == Approx(2.571 * std::sqrt(2.0 / 6) / 100));
  CHECK(std::isinf(orch::relative_half_width(components, 1, 100)));
  // Past the table: t(40) = 2.021, t(60) = 2.000.
  CHECK(orch::relative_half_width(components, 41, 100) == Approx(2.021 * std::sqrt(2.0 / 41) / 100).epsilon(0.001));
  CHECK(orch::relative_half_width(components, 61, 100) == Approx(2.000 * std::sqrt(2.0 / 61) / 100).epsilon(0.001));
}

TEST_CASE("variance components: the cheapest plan lands on Kalibera and Jones's optimum, and reaches the target",
          "[variance-unit]") {
  // T1^2 = 100, T2^2 = 1, a run costs 1 s and an iteration 10 ms: the optimum is
  // m = sqrt(1 / 0.01 * 100 / 1) = 100 iterations per run.
  const orch::VarianceComponents components{100, 100, 1, 100};
  const auto plan = orch::cheapest_plan(components, {1, 0.01}, 0.002, 6, 1, 100000);
  REQUIRE(plan);
  CHECK(plan->iterations >= 80);
  CHECK(plan->iterations <= 125);
  CHECK(plan->relative_half_width <= 0.002);
  CHECK(plan->machine_s == Approx(plan->runs * (1 + plan->iterations * 0.01)));
  // Cheaper than the neighbours of its optimum at the same target.
  for (int iterations : {10, 1000}) {
    const auto other = orch::cheapest_plan(components, {1, 0.01}, 0.002, 6, iterations, iterations);
    REQUIRE(other);
    CHECK(other->machine_s > plan->machine_s);
  }
  // Without run-to-run variance, iterations do what runs did: fewer, longer runs
  // (Student's t still charges for few runs).
  const auto flat = orch::cheapest_plan({100, 100, 0, 100}, {1, 0.01}, 0.002, 6, 1, 100000);
  REQUIRE(flat);
  CHECK(flat->runs < plan->runs);
  CHECK(flat->iterations > 2 * plan->iterations);
  // A target that no plan of at most 10 runs reaches.
  CHECK_FALSE(orch::cheapest_plan(components, {1, 0.01}, 0.0001, 6, 1, 1000, 10));
}

// Two experiments compared cell by cell: matched on settings, judged by interval,
// threshold and the nights' own spread.
#include <catch2/catch.hpp>
#include <random>

#include "measure/comparison.h"

namespace {

// A cell of `runs` runs around `p50` ms, with a little noise; cold starts around `cold`.
orch::ComparedCell cell(const std::string& hash, const std::string& label, double p50, double cold = 400,
                        unsigned seed = 1, int runs = 5) {
  std::mt19937 random(seed);
  std::normal_distribution<double> noise(0, 0.003 * p50);
  orch::ComparedCell result{hash, label, {}, {}, {}};
  for (int r = 0; r < runs; ++r) {
    std::vector<double> samples;
    for (int i = 0; i < 50; ++i) samples.push_back(p50 + noise(random));
    result.samples.push_back(samples);
    result.run_values["latency_p99_ms"].push_back(p50 * 1.1 + noise(random));
    result.run_values["cold_start_ms"].push_back(cold + 100 * noise(random) / p50);
  }
  return result;
}

const orch::MetricChange& metric(const orch::CellChange& change, const std::string& name) {
  for (const auto& m : change.metrics)
    if (m.metric == name) return m;
  FAIL("no metric " << name);
  return change.metrics.front();
}

}  // namespace

TEST_CASE("compare: the same cells measured twice are no change", "[compare]") {
  const auto result = orch::compare_cells({cell("h1", "a", 10, 400, 1), cell("h2", "b", 20, 400, 2)},
                                          {cell("h1", "a", 10, 400, 3), cell("h2", "b", 20, 400, 4)});
  REQUIRE(result.matched.size() == 2);
  CHECK_FALSE(result.regression());
  for (const auto& change : result.matched)
    for (const auto& m : change.metrics) CHECK(m.verdict == orch::Verdict::kNoChange);
}

// The new night's cell with steady earlier nights: a change is judged.
orch::ComparedCell with_history(orch::ComparedCell cell, double p50) {
  cell.history_p50s = {p50, p50 * 1.002, p50 * 0.998, p50 * 1.001};
  return cell;
}

TEST_CASE("compare: a cell 20% slower is slower, and a regression, and one 20% faster is faster", "[compare]") {
  const auto result = orch::compare_cells(
      {cell("h1", "a", 10), cell("h2", "b", 20)},
      {with_history(cell("h1", "a", 12, 400, 5), 10), with_history(cell("h2", "b", 16, 400, 6), 20)});
  REQUIRE(result.matched.size() == 2);
  CHECK(metric(result.matched[0], "p50").verdict == orch::Verdict::kSlower);
  CHECK(metric(result.matched[0], "p50").ratio.ratio == Approx(1.2).epsilon(0.01));
  CHECK(metric(result.matched[1], "p50").verdict == orch::Verdict::kFaster);
  CHECK(result.regression());
}

TEST_CASE("compare: a real but small change stays under the threshold", "[compare]") {
  orch::ComparisonOptions options;
  const auto result =
      orch::compare_cells({cell("h1", "a", 10)}, {with_history(cell("h1", "a", 10.3, 400, 9), 10)}, options);
  const auto& p50 = metric(result.matched.at(0), "p50");
  CHECK(p50.ratio.interval.low > 1);               // the interval sees it...
  CHECK(p50.verdict == orch::Verdict::kNoChange);  // ...but 3% is under the 5% threshold
  options.threshold = 0.01;
  CHECK(metric(orch::compare_cells({cell("h1", "a", 10)}, {with_history(cell("h1", "a", 10.3, 400, 9), 10)}, options)
                   .matched.at(0),
               "p50")
            .verdict == orch::Verdict::kSlower);
}

TEST_CASE("compare: a change the nights' own spread explains is no change, and says why", "[compare]") {
  auto now = cell("h1", "a", 11, 400, 7);
  now.history_p50s = {10, 11.5, 9.2, 11.8, 10.4};  // nights swing by 20% anyway
  const auto noisy = orch::compare_cells({cell("h1", "a", 10)}, {now});
  const auto& p50 = metric(noisy.matched.at(0), "p50");
  CHECK(p50.verdict == orch::Verdict::kNoChange);
  CHECK_THAT(p50.why, Catch::Contains("within the spread of the last 5 nights"));
  CHECK(noisy.matched[0].history_nights == 5);
  now.history_p50s = {10, 10.01, 9.99, 10.02, 10.0};  // steady nights: 10% is far outside
  CHECK(metric(orch::compare_cells({cell("h1", "a", 10)}, {now}).matched.at(0), "p50").verdict ==
        orch::Verdict::kSlower);
}

TEST_CASE("compare: cells are matched on settings, not labels, and the rest are listed", "[compare]") {
  const auto result = orch::compare_cells({cell("h1", "a", 10), cell("h2", "b", 10), cell("h3", "c", 10)},
                                          {cell("h1", "renamed", 10), cell("h9", "b", 10), cell("h4", "d", 10)});
  REQUIRE(result.matched.size() == 1);
  CHECK(result.matched[0].label == "renamed");
  CHECK(result.changed == std::vector<std::string>{"b"});  // same label, other settings
  CHECK(result.added == std::vector<std::string>{"d"});
  CHECK(result.removed == std::vector<std::string>{"c"});
}

TEST_CASE("compare: a p99 or a cold start of too few runs is shown but not judged", "[compare]") {
  auto base = cell("h1", "a", 10, 400, 1, 3), now = cell("h1", "a", 10, 400, 2, 3);
  now.run_values["cold_start_ms"] = {600, 610, 620};  // 50% slower, from 3 runs
  const auto few = orch::compare_cells({base}, {now});
  const auto& cold = metric(few.matched.at(0), "cold_start");
  CHECK(cold.ratio.ratio > 1.4);
  CHECK(cold.verdict == orch::Verdict::kNoChange);
  CHECK_THAT(cold.why, Catch::Contains("not judged: 3 runs (6 needed); the interval alone says slower"));
  CHECK_FALSE(few.regression());
  base = cell("h1", "a", 10, 400, 1, 6);
  now = cell("h1", "a", 10, 400, 2, 6);
  now.run_values["cold_start_ms"] = {600, 610, 620, 605, 615, 612};
  CHECK(metric(orch::compare_cells({base}, {now}).matched.at(0), "cold_start").verdict == orch::Verdict::kSlower);
}

TEST_CASE("compare: without three earlier nights a p50 change is not a verdict, and it says so", "[compare]") {
  auto now = cell("h1", "a", 15, 400, 5);
  now.history_p50s = {10, 10.1};
  const auto result = orch::compare_cells({cell("h1", "a", 10)}, {now});
  const auto& p50 = metric(result.matched.at(0), "p50");
  CHECK(p50.ratio.interval.low > 1.3);  // the interval alone says slower
  CHECK(p50.verdict == orch::Verdict::kNoChange);
  CHECK_THAT(p50.why, Catch::Contains("too little history") && Catch::Contains("too little history (2 of 3 nights)") &&
                          Catch::Contains("the interval alone says slower"));
  CHECK_FALSE(result.regression());
}

// Adaptive precision (runs: auto): the matrix's precision block, the stopping rule
// over a cell's stored runs, and the comparison with a fixed plan.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "matrix/matrix.h"
#include "matrix/settings.h"
#include "measure/intervals.h"
#include "measure/precision.h"
#include "measure/warnings.h"
#include "test_support.h"

namespace {

orch::Experiment parse(const std::string& header) {
  const std::string text = "name: auto\n" + header + "worker: {model: " + test::model("tiny_cnn.pt") +
                           "}\nmatrix:\n  cells:\n    - {label: a}\n    - {label: b}\n";
  return orch::parse_experiment(text, "/tmp/m.yaml", test::four_cpu_machine(), "/bin/true");
}

// A run as the store reads it back.
orch::StoredRun run(bool warmup, const std::string& status, double p50_ms, double wall_ms) {
  orch::StoredRun run;
  run.warmup = warmup;
  run.status = status;
  if (status == "ok") run.latency_p50_ms = p50_ms;
  run.wall_ms = wall_ms;
  return run;
}

orch::CellProgress progress(const std::vector<double>& p50s, double wall_ms = 1000) {
  std::vector<orch::StoredRun> runs = {run(true, "ok", 9, wall_ms)};
  for (double p50 : p50s) runs.push_back(run(false, "ok", p50, wall_ms));
  return orch::progress_of(runs);
}

}  // namespace

TEST_CASE("precision: runs: auto takes its budget from the precision block, or the defaults", "[precision-unit]") {
  const auto defaults = parse("runs: auto\nwarmup_runs: 1\n");
  REQUIRE(defaults.precision);
  CHECK(defaults.precision->target_percent == 2);
  CHECK(defaults.precision->max_minutes == 20);
  CHECK(defaults.runs == 30);  // the schedule holds the most a cell may have
  CHECK(orch::runs_of(defaults, defaults.cells[0]) == 31);
  const auto given = parse("runs: auto\nprecision: {target_percent: 0.5, max_runs: 12, max_minutes: 3}\n");
  CHECK(given.precision->target_percent == 0.5);
  CHECK(given.runs == 12);
  CHECK(given.precision->max_minutes == 3);
  CHECK_FALSE(parse("runs: 4\n").precision);
  // The matrix's least max_runs is what the cell's interval needs.
  CHECK(orch::Precision::kFewestRuns == orch::values_for_confidence(orch::kTargetConfidence));
}

TEST_CASE(
    "precision: a budget that can never confirm a 95% interval, or a block without auto, is refused where "
    "it is written",
    "[precision-unit]") {
  CHECK_THROWS_WITH(parse("runs: auto\nprecision: {max_runs: 5}\n"),
                    Catch::Contains("/tmp/m.yaml:3:23") && Catch::Contains("precision.max_runs: 5 runs can never"));
  CHECK_THROWS_WITH(
      parse("runs: 5\nprecision: {target_percent: 1}\n"),
      Catch::Contains("/tmp/m.yaml:3:12") && Catch::Contains("only runs: auto and iterations: auto use it"));
  CHECK_THROWS_WITH(parse("runs: auto\nprecision: {target_percent: 0}\n"),
                    Catch::Contains("/tmp/m.yaml:3:29") && Catch::Contains("precision.target_percent"));
  CHECK_THROWS_WITH(parse("runs: auto\nprecision: {max_run: 8}\n"),
                    Catch::Contains("/tmp/m.yaml:3:13") && Catch::Contains("did you mean 'max_runs'"));
  CHECK_THROWS_WITH(parse("runs: automatic\n"), Catch::Contains("/tmp/m.yaml:2:7") && Catch::Contains("runs"));
}

TEST_CASE("precision: iterations: auto takes its bounds and target from the precision block", "[precision-unit]") {
  const std::string cells =
      "worker: {model: " + test::model("tiny_cnn.pt") +
      ", iterations: auto}\nmatrix:\n  cells:\n    - {label: a}\n    - {label: b, iterations: 40}\n";
  const auto experiment = orch::parse_experiment(
      "name: it\nruns: 3\nprecision: {target_percent: 1, min_iterations: 50, max_iterations: 500}\n" + cells,
      "/tmp/m.yaml", test::four_cpu_machine(), "/bin/true");
  CHECK_FALSE(experiment.runs_auto);
  const auto& a = experiment.cells[0].settings;
  CHECK(a.iterations_auto);
  CHECK(a.min_iterations == 50);
  CHECK(a.iterations == 500);
  CHECK(a.iterations_target_percent == 1);
  CHECK(orch::label_of(orch::Setting::kIterations, a) == "iterations=auto");
  CHECK_FALSE(experiment.cells[1].settings.iterations_auto);
  CHECK(experiment.cells[1].settings.iterations == 40);
  // Without a block: its defaults, 20 to 10000 iterations to +-2%.
  const auto defaults =
      orch::parse_experiment("name: it\n" + cells, "/tmp/m.yaml", test::four_cpu_machine(), "/bin/true");
  CHECK(defaults.cells[0].settings.min_iterations == 20);
  CHECK(defaults.cells[0].settings.iterations == 10000);
  CHECK(defaults.cells[0].settings.iterations_target_percent == 2);
  CHECK_THROWS_WITH(orch::parse_experiment("name: it\nprecision: {min_iterations: 600, max_iterations: 500}\n" + cells,
                                           "/tmp/m.yaml", test::four_cpu_machine(), "/bin/true"),
                    Catch::Contains("/tmp/m.yaml:2:29") && Catch::Contains("is more than max_iterations"));
}

TEST_CASE("precision: the stored runs say what a cell has run, warm-ups in its machine time only, unfinished ones not",
          "[precision-unit]") {
  // 'running' and 'aborted' runs are not finished: --resume runs them again.
  const auto cell =
      orch::progress_of({run(true, "ok", 9, 2000), run(false, "ok", 10, 1000), run(false, "crashed", 0, 500),
                         run(false, "running", 0, 0), run(false, "aborted", 0, 700)});
  CHECK(cell.p50s == std::vector<double>{10});
  CHECK(cell.measured_runs == 2);
  CHECK(cell.machine_s == Approx(3.5));
  CHECK(cell.measured_s == Approx(1.5));
}

TEST_CASE("precision: a cell stops at its target once its interval has 95%, not before", "[precision-unit]") {
  const orch::Precision precision{2, 30, 20};
  // Five tight runs: no 95% interval yet, whatever their spread.
  CHECK_FALSE(orch::relative_precision(progress({10, 10.01, 10.02, 9.99, 10}).p50s));
  CHECK_FALSE(orch::stop_reason(precision, progress({10, 10.01, 10.02, 9.99, 10})));
  // The sixth: [min, max] has 96.9%, and its ends are within 0.25% of the median (10.005).
  const auto six = progress({10, 10.01, 10.02, 9.99, 10, 10.03});
  CHECK(*orch::relative_precision(six.p50s) == Approx(0.025 / 10.005));
  CHECK(orch::stop_reason(precision, six) == orch::StopReason::kTarget);
  // One run 10% off among six: [min, max] is +-10%, so more runs are needed.
  CHECK_FALSE(orch::stop_reason(precision, progress({10, 10.01, 10.02, 9.99, 10, 11})));
}

TEST_CASE("precision: a noisy cell stops at max_runs, a slow one at its minutes", "[precision-unit]") {
  std::vector<double> bimodal;
  for (int i = 0; i < 8; ++i) bimodal.push_back(i % 2 ? 10 : 20);
  CHECK(orch::stop_reason({2, 8, 20}, progress(bimodal)) == orch::StopReason::kMaxRuns);
  CHECK_FALSE(orch::stop_reason({2, 9, 20}, progress(bimodal)));
  // Nine runs of a minute each (the warm-up's included): past 8 minutes.
  CHECK(orch::stop_reason({2, 30, 8}, progress(bimodal, 60000)) == orch::StopReason::kTime);
  CHECK(orch::stop_reason_name(orch::StopReason::kMaxRuns) == "max-runs");
}

TEST_CASE("precision: the fixed plan of the same precision gives every cell the runs of the neediest",
          "[precision-unit]") {
  // 6 runs of 1 s and 10 runs of 2 s (each with a warm-up): the fixed plan is 10 runs
  // each, so it would have run 4 more of the first cell's 1 s runs.
  const auto quiet = progress(std::vector<double>(6, 10), 1000);
  const auto noisy = progress(std::vector<double>(10, 10), 2000);
  const auto comparison = orch::compare_with_fixed_plan({quiet, noisy});
  CHECK(comparison.fixed_runs == 10);
  CHECK(comparison.runs == 16);
  CHECK(comparison.fixed_plan_runs == 20);
  CHECK(comparison.machine_s == Approx(7 + 22));
  CHECK(comparison.saved_s == Approx(4));
}

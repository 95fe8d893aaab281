// A cell's statistics from its stored runs (pure: rows in, a row out).
#include <catch2/catch.hpp>

#include "measure/cell_statistics.h"
#include "measure/statistics.h"
#include "measure/stored_run.h"

namespace {

orch::StoredRun run(int index, const std::string& status, double p50, double model_load_ms, bool warmup = false) {
  orch::StoredRun run;
  run.run_index = index;
  run.warmup = warmup;
  run.status = status;
  run.latency_p50_ms = p50;
  run.model_load_ms = model_load_ms;
  run.intra_op_threads = int64_t{2};
  run.effective_cpus = std::string(index == 2 ? "0-1" : "0");
  run.effective_cpu_quota_percent = 50.0;
  run.memory_peak_bytes = 1000 + index;
  run.warnings = index == 1 ? "cv,throttled" : "";
  return run;
}

const orch::Value& at(const orch::Columns& row, const char* name) { return orch::value_of(row, name); }

}  // namespace

TEST_CASE("cell statistics: medians over measured ok runs, counts over measured runs", "[cell-statistics]") {
  const std::vector<orch::StoredRun> runs = {
      run(0, "ok", 100, 900, /*warmup=*/true),  // a warm-up run counts nowhere
      run(1, "ok", 10, 100),
      run(2, "ok", 12, 300),
      run(3, "crashed", 99, 999),
      run(4, "ok", 11, 200),
      run(5, "timeout", 98, 998),
  };
  const orch::Columns row = orch::cell_statistics(runs);
  CHECK(at(row, "runs") == orch::Value(int64_t{5}));
  CHECK(at(row, "runs_ok") == orch::Value(int64_t{3}));
  CHECK(at(row, "latency_p50_ms") == orch::Value(11.0));
  CHECK(at(row, "model_load_ms") == orch::Value(200.0));
  CHECK(at(row, "peak_memory_bytes") == orch::Value(int64_t{1002}));  // 1001, 1002, 1004
  CHECK(at(row, "failures") == orch::Value(std::string("crashed,timeout")));
  CHECK(at(row, "warnings") == orch::Value(std::string("cv,few-runs,throttled")));
  CHECK(at(row, "intra_op_threads") == orch::Value(std::string("2")));
  CHECK(at(row, "effective_cpus") == orch::Value(std::string("0,0-1")));  // distinct, in run order
  CHECK(at(row, "effective_cpu_quota_percent") == orch::Value(std::string("50.0")));
  CHECK(at(row, "limit_mismatches") == orch::Value(int64_t{0}));
  CHECK(std::holds_alternative<std::monostate>(at(row, "device_latency_p50_ms")));  // no run had one
  // 3 ok runs: [min, max] of their p50s, which covers the median with 75%.
  CHECK(at(row, "latency_p50_ci_low_ms") == orch::Value(10.0));
  CHECK(at(row, "latency_p50_ci_high_ms") == orch::Value(12.0));
  CHECK(at(row, "latency_p50_ci_confidence") == orch::Value(0.75));
  CHECK(*orch::number_of(at(row, "run_to_run_cv")) == Approx(orch::coefficient_of_variation({10, 12, 11})));
}

TEST_CASE("cell statistics: the first measured run's slow cold start is a cell warning", "[cell-statistics]") {
  const std::vector<orch::StoredRun> runs = {run(0, "ok", 10, 400), run(1, "ok", 10, 100), run(2, "ok", 10, 110),
                                             run(3, "ok", 10, 105)};
  CHECK(at(orch::cell_statistics(runs), "warnings") ==
        orch::Value(std::string("cv,few-runs,first-run-slow,throttled")));
}

TEST_CASE("cell statistics of a cell without runs: zero counts and no medians", "[cell-statistics]") {
  const orch::Columns row = orch::cell_statistics({});
  CHECK(at(row, "runs") == orch::Value(int64_t{0}));
  CHECK(at(row, "runs_ok") == orch::Value(int64_t{0}));
  for (const char* column : {"latency_p50_ms", "latency_p50_ci_low_ms", "run_to_run_cv", "failures", "warnings"})
    CHECK(std::holds_alternative<std::monostate>(at(row, column)));
}

TEST_CASE("cell statistics: a run whose p50 is far from the others' is named, and kept in the median",
          "[cell-statistics]") {
  const std::vector<orch::StoredRun> runs = {run(0, "ok", 50, 100, /*warmup=*/true),
                                             run(1, "ok", 10.0, 100),
                                             run(2, "ok", 10.2, 100),
                                             run(3, "ok", 9.9, 100),
                                             run(4, "ok", 10.1, 100),
                                             run(5, "ok", 14.0, 100)};
  const orch::Columns row = orch::cell_statistics(runs);
  CHECK(orch::text_of(at(row, "outlier_runs")) == "5");
  CHECK_THAT(orch::text_of(at(row, "warnings")), Catch::Contains("outlier-run"));
  CHECK(at(row, "latency_p50_ms") == orch::Value(10.1));  // 9.9, 10.0, 10.1, 10.2, 14.0
  const orch::Columns quiet =
      orch::cell_statistics({run(1, "ok", 10.0, 100), run(2, "ok", 10.2, 100), run(3, "ok", 9.9, 100)});
  CHECK(orch::text_of(at(quiet, "outlier_runs")).empty());
  CHECK_THAT(orch::text_of(at(quiet, "warnings")), !Catch::Contains("outlier-run"));
}

TEST_CASE("cell statistics: a run off by less than 5% is no outlier, however tight the others", "[cell-statistics]") {
  const orch::Columns row =
      orch::cell_statistics({run(1, "ok", 10.0, 100), run(2, "ok", 10.001, 100), run(3, "ok", 10.3, 100)});
  CHECK(orch::text_of(at(row, "outlier_runs")).empty());
}

TEST_CASE("cell statistics: the tail is a percentile over every timed iteration, not a median of the runs' p99s",
          "[cell-statistics]") {
  auto slow_run = run(3, "ok", 10, 100);
  slow_run.latency_p99_ms = 1800;
  auto quiet = run(1, "ok", 10, 100), quieter = run(2, "ok", 10, 100);
  quiet.latency_p99_ms = quieter.latency_p99_ms = 10;
  std::vector<double> calm(100, 10.0), tail(60, 10.0);
  tail.insert(tail.end(), 40, 1800.0);  // 40 of its 100 iterations near 1.8 s
  const orch::Columns row = orch::cell_statistics({quiet, quieter, slow_run}, {calm, calm, tail});
  CHECK(at(row, "latency_p99_ms") == orch::Value(1800.0));
  CHECK(at(orch::cell_statistics({quiet, quieter, slow_run}), "latency_p99_ms") ==
        orch::Value(10.0));  // without samples: the median of the runs' p99s
}

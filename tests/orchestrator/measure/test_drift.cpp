// The machine's drift: how far the level of the calibration kernel's times moved over
// an experiment, a lone slow calibration not counting.
#include <catch2/catch.hpp>

#include "measure/drift.h"

TEST_CASE("drift: the levels are medians of three consecutive calibrations", "[drift-unit]") {
  // Slower from the fourth on: levels 0.30, 0.30, 0.36, 0.36.
  const auto drift = orch::drift_of({0.30, 0.29, 0.30, 0.36, 0.37, 0.36});
  REQUIRE(drift);
  CHECK(drift->first_ms == 0.30);
  CHECK(drift->fastest_ms == 0.30);
  CHECK(drift->slowest_ms == 0.36);
  CHECK(drift->share == Approx(0.2));
  CHECK(drift->calibrations == 6);
  CHECK(drift->share > orch::kMaxDriftShare);
  CHECK(orch::describe_drift(*drift) ==
        "the calibration kernel's level moved between 0.3 and 0.36 ms (20%; from 0.3 ms at the start, medians of 3 "
        "consecutive of 6 calibrations)");
}

TEST_CASE("drift: one slow calibration is a hiccup, not a drift", "[drift-unit]") {
  const auto drift = orch::drift_of({0.30, 0.29, 0.45, 0.30, 0.31});
  REQUIRE(drift);
  CHECK(drift->share < orch::kMaxDriftShare);
}

TEST_CASE("drift: two or three calibrations are their own levels, fewer say nothing", "[drift-unit]") {
  // Three: one median would be one level, which could never move.
  CHECK(orch::drift_of({0.30, 0.60, 0.60})->share == Approx(1.0));
  CHECK(orch::drift_of({0.30, 0.36})->share == Approx(0.2));
  CHECK(orch::describe_drift(*orch::drift_of({0.3, 0.36})) ==
        "the calibration kernel's level moved between 0.3 and 0.36 ms (20%; from 0.3 ms at the start, over 2 "
        "calibrations)");
  CHECK_FALSE(orch::drift_of({0.3}));
  CHECK_FALSE(orch::drift_of({}));
}

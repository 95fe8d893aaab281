// The machine's drift over an experiment: the calibration kernel (bench_worker
// --calibrate, run/calibration.h) is timed at the start, between rounds of runs and at
// the end; how far its time moved says whether the machine's speed stayed the same
// while the cells ran. Pure functions, no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace orch {

// `drift`: the highest level is more than this share above the lowest. The levels of a
// steady experiment here move by 2-3%, single calibrations by up to 7% (README:
// Statistics); a machine whose speed moved by more than a tenth moves every cell
// measured then by as much, which is twice the 5% a comparison calls a change.
inline constexpr double kMaxDriftShare = 0.10;

// The machine's level at each point is the median of three consecutive calibrations:
// one slow calibration, a hiccup, moves no level; a machine slower for two of them in
// a row does. With fewer than kLevelsFrom calibrations (three would make one level,
// which cannot move) the levels are the calibrations themselves.
inline constexpr size_t kLevelsFrom = 4;
struct Drift {
  double first_ms = 0;    // the first level
  double fastest_ms = 0;  // the lowest level
  double slowest_ms = 0;  // the highest
  double share = 0;       // (slowest - fastest) / fastest
  int calibrations = 0;
};
// From an experiment's calibration times, in the order they were taken; nullopt
// with fewer than two.
std::optional<Drift> drift_of(const std::vector<double>& calibration_ms);
// "the calibration kernel's level moved between 0.281 and 0.352 ms (25%; from 0.284 ms
// at the start, medians of 3 consecutive of 6 calibrations)"
std::string describe_drift(const Drift& drift);

}  // namespace orch

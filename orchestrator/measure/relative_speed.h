// Relative speed within an experiment, as hyperfine prints it, with the two-level
// interval of each ratio (intervals.h): how much slower each cell is than a baseline.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "measure/intervals.h"

namespace orch {

// A cell's measured ok runs: each run's timed iterations (ms).
struct CellRuns {
  std::string label;
  std::vector<std::vector<double>> runs;
};

struct SpeedComparison {
  std::string baseline;
  std::string other;
  Ratio ratio;             // other / baseline of median_of_run_medians
  size_t fewest_runs = 0;  // the fewer ok runs of the two cells
  // Whether the interval leaves out 1: a difference, not noise.
  bool distinguishable() const { return ratio.interval.low > 1 || ratio.interval.high < 1; }
};

// Each cell with runs against `baseline` (a label; nullopt: the fastest cell).
// Cells without ok runs are left out; an unknown baseline label is nullopt's fastest.
std::vector<SpeedComparison> relative_speed(const std::vector<CellRuns>& cells,
                                            const std::optional<std::string>& baseline = std::nullopt);

}  // namespace orch

// The machine's drift over an experiment (see drift.h).
#include "measure/drift.h"

#include <algorithm>

#include "common/text.h"
#include "measure/statistics.h"

namespace orch {

std::optional<Drift> drift_of(const std::vector<double>& calibration_ms) {
  if (calibration_ms.size() < 2) return std::nullopt;
  std::vector<double> levels;
  if (calibration_ms.size() < kLevelsFrom) levels = calibration_ms;
  for (size_t i = 0; calibration_ms.size() >= kLevelsFrom && i + 2 < calibration_ms.size(); ++i)
    levels.push_back(median({calibration_ms[i], calibration_ms[i + 1], calibration_ms[i + 2]}));
  const auto [fastest, slowest] = std::minmax_element(levels.begin(), levels.end());
  Drift drift{levels.front(), *fastest, *slowest, 0, static_cast<int>(calibration_ms.size())};
  if (*fastest > 0) drift.share = (*slowest - *fastest) / *fastest;
  return drift;
}

std::string describe_drift(const Drift& drift) {
  return "the calibration kernel's level moved between " + format_number(drift.fastest_ms, 3) + " and " +
         format_number(drift.slowest_ms, 3) + " ms (" + format_number(drift.share * 100, 0) + "%; from " +
         format_number(drift.first_ms, 3) + " ms at the start, " +
         (drift.calibrations < static_cast<int>(kLevelsFrom) ? "over " : "medians of 3 consecutive of ") +
         std::to_string(drift.calibrations) + " calibrations)";
}

}  // namespace orch

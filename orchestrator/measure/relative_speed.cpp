// Relative speed within an experiment (see relative_speed.h).
#include "measure/relative_speed.h"

#include <algorithm>

namespace orch {

std::vector<SpeedComparison> relative_speed(const std::vector<CellRuns>& cells,
                                            const std::optional<std::string>& baseline) {
  std::vector<const CellRuns*> measured;
  for (const auto& cell : cells)
    if (!cell.runs.empty()) measured.push_back(&cell);
  if (measured.size() < 2) return {};
  const CellRuns* reference = *std::min_element(measured.begin(), measured.end(), [](const auto* a, const auto* b) {
    return median_of_run_medians(a->runs) < median_of_run_medians(b->runs);
  });
  if (baseline)
    for (const CellRuns* cell : measured)
      if (cell->label == *baseline) reference = cell;
  std::vector<SpeedComparison> comparisons;
  for (const CellRuns* cell : measured) {
    if (cell == reference) continue;
    comparisons.push_back({reference->label, cell->label, ratio_interval(cell->runs, reference->runs),
                           std::min(cell->runs.size(), reference->runs.size())});
  }
  return comparisons;
}

}  // namespace orch

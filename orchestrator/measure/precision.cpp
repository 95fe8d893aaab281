// When a cell of runs: auto has run enough (see precision.h).
#include "measure/precision.h"

#include <algorithm>
#include <cmath>

#include "measure/stored_run.h"
#include "protocol/order_statistics.h"

namespace orch {

CellProgress progress_of(const std::vector<StoredRun>& runs) {
  CellProgress progress;
  for (const auto& run : runs) {
    // Not finished, or cut short by a stop signal (`--resume` runs it again): no run yet.
    if (run.status == "running" || run.status == "aborted") continue;
    const double wall_s = run.wall_ms.value_or(0) / 1000;
    progress.machine_s += wall_s;
    if (!run.measured()) continue;
    ++progress.measured_runs;
    progress.measured_s += wall_s;
    if (run.latency_p50_ms && run.ok()) progress.p50s.push_back(*run.latency_p50_ms);
  }
  return progress;
}

std::string stop_reason_name(StopReason reason) {
  static const std::vector<std::string> names = {"target", "max-runs", "time"};  // in enum order
  return names.at(static_cast<size_t>(reason));
}

std::optional<double> relative_precision(const std::vector<double>& p50s) { return protocol::median_precision(p50s); }

std::optional<StopReason> stop_reason(const Precision& precision, const CellProgress& progress) {
  if (const auto reached = relative_precision(progress.p50s); reached && *reached * 100 <= precision.target_percent)
    return StopReason::kTarget;
  if (progress.measured_runs >= precision.max_runs) return StopReason::kMaxRuns;
  if (progress.machine_s >= precision.max_minutes * 60) return StopReason::kTime;
  return std::nullopt;
}

FixedPlanComparison compare_with_fixed_plan(const std::vector<CellProgress>& cells) {
  FixedPlanComparison comparison;
  for (const auto& cell : cells) comparison.fixed_runs = std::max(comparison.fixed_runs, cell.measured_runs);
  for (const auto& cell : cells) {
    comparison.runs += cell.measured_runs;
    comparison.fixed_plan_runs += comparison.fixed_runs;
    comparison.machine_s += cell.machine_s;
    if (cell.measured_runs > 0)
      comparison.saved_s += (comparison.fixed_runs - cell.measured_runs) * cell.measured_s / cell.measured_runs;
  }
  return comparison;
}

}  // namespace orch

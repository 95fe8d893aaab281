// Two experiments compared (see comparison.h).
#include "measure/comparison.h"

#include <algorithm>
#include <cmath>

#include "measure/statistics.h"

namespace orch {
namespace {

// Each value a one-iteration "run": the runs level is all the bootstrap resamples.
std::vector<std::vector<double>> as_runs(const std::vector<double>& values) {
  std::vector<std::vector<double>> runs;
  for (double value : values) runs.push_back({value});
  return runs;
}

Verdict judge(const Ratio& ratio, double threshold) {
  if (ratio.interval.low > 1 && ratio.ratio - 1 > threshold) return Verdict::kSlower;
  if (ratio.interval.high < 1 && 1 - ratio.ratio > threshold) return Verdict::kFaster;
  return Verdict::kNoChange;
}

MetricChange change_of(const std::string& metric, const std::vector<std::vector<double>>& base,
                       const std::vector<std::vector<double>>& now, double threshold) {
  MetricChange change;
  change.metric = metric;
  change.base = median_of_run_medians(base);
  change.now = median_of_run_medians(now);
  change.ratio = ratio_interval(now, base);
  change.verdict = judge(change.ratio, threshold);
  return change;
}

// A p50 change that the nights' own spread explains is no change.
void judge_against_history(MetricChange& p50, const std::vector<double>& history, const ComparisonOptions& options) {
  if (p50.verdict == Verdict::kNoChange) return;
  if (history.size() < options.min_history) {
    // Within-night intervals leave out the variance between nights, which on a shared
    // machine is often larger (two quiet nights here differed by 15%): without the
    // nights' own spread, a change is not a verdict. Conbench and asv decide the same.
    p50.why = "too little history (" + std::to_string(history.size()) + " of " + std::to_string(options.min_history) +
              " nights) to tell it from the nights' spread; the interval alone says " + verdict_name(p50.verdict);
    p50.verdict = Verdict::kNoChange;
    return;
  }
  const double center = median(history);
  std::vector<double> deviations;
  for (double value : history) deviations.push_back(std::fabs(value - center));
  const double spread = 1.4826 * median(deviations);  // the MAD, scaled to a normal's stddev
  if (spread <= 0) return;
  const double z = (p50.now - center) / spread;
  if (std::fabs(z) <= options.max_z) {
    p50.why = "within the spread of the last " + std::to_string(history.size()) + " nights (z " +
              std::to_string(static_cast<int>(std::lround(z))) + "); the interval alone says " +
              verdict_name(p50.verdict);
    p50.verdict = Verdict::kNoChange;
  }
}

}  // namespace

const char* verdict_name(Verdict verdict) {
  static const char* const names[] = {"no change", "faster", "slower"};  // in enum order
  return names[static_cast<size_t>(verdict)];
}

bool Comparison::regression() const {
  for (const auto& cell : matched)
    for (const auto& metric : cell.metrics)
      if (metric.verdict == Verdict::kSlower) return true;
  return false;
}

const std::vector<ComparedRunMetric>& compared_run_metrics() {
  static const std::vector<ComparedRunMetric> metrics = {
      {"latency_p99_ms", "p99", &StoredRun::latency_p99_ms},
      {"library_load_ms", "library_load", &StoredRun::library_load_ms},
      {"model_load_ms", "model_load", &StoredRun::model_load_ms},
      {"first_inference_ms", "first_inference", &StoredRun::first_inference_ms},
      {"cold_start_ms", "cold_start", &StoredRun::cold_start_ms}};
  return metrics;
}

Comparison compare_cells(const std::vector<ComparedCell>& base, const std::vector<ComparedCell>& now,
                         const ComparisonOptions& options) {
  Comparison result;
  auto find = [](const std::vector<ComparedCell>& cells, const std::string& hash) -> const ComparedCell* {
    for (const auto& cell : cells)
      if (cell.settings_hash == hash) return &cell;
    return nullptr;
  };
  auto has_label = [](const std::vector<ComparedCell>& cells, const std::string& label) {
    return std::any_of(cells.begin(), cells.end(), [&](const ComparedCell& cell) { return cell.label == label; });
  };
  for (const auto& cell : now) {
    const ComparedCell* before = find(base, cell.settings_hash);
    if (!before) {
      (has_label(base, cell.label) ? result.changed : result.added).push_back(cell.label);
      continue;
    }
    CellChange change{cell.label, cell.settings_hash, {}, cell.history_p50s.size()};
    if (!cell.samples.empty() && !before->samples.empty()) {
      MetricChange p50 = change_of("p50", before->samples, cell.samples, options.threshold);
      judge_against_history(p50, cell.history_p50s, options);
      change.metrics.push_back(p50);
    }
    for (const auto& [column, metric, field] : compared_run_metrics()) {
      const auto old_values = before->run_values.find(column), new_values = cell.run_values.find(column);
      if (old_values == before->run_values.end() || new_values == cell.run_values.end() || old_values->second.empty() ||
          new_values->second.empty())
        continue;
      MetricChange run_metric =
          change_of(metric, as_runs(old_values->second), as_runs(new_values->second), options.threshold);
      // One value per run: with fewer runs than a 95% interval takes, the bootstrap's
      // interval is too narrow to trust (a p99 of three runs swings by 20%).
      const size_t runs = std::min(old_values->second.size(), new_values->second.size());
      if (runs < options.min_runs && run_metric.verdict != Verdict::kNoChange) {
        run_metric.why = "not judged: " + std::to_string(runs) + " runs (" + std::to_string(options.min_runs) +
                         " needed); the interval alone says " + verdict_name(run_metric.verdict);
        run_metric.verdict = Verdict::kNoChange;
      }
      change.metrics.push_back(run_metric);
    }
    result.matched.push_back(std::move(change));
  }
  for (const auto& cell : base)
    if (!find(now, cell.settings_hash) && !has_label(now, cell.label)) result.removed.push_back(cell.label);
  return result;
}

}  // namespace orch

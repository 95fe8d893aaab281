// Reports assembled from the store (see experiment_report.h).
#include "report/experiment_report.h"

#include <algorithm>
#include <array>

#include "common/text.h"
#include "measure/drift.h"
#include "measure/hosts.h"
#include "measure/relative_speed.h"
#include "measure/statistics.h"
#include "measure/warnings.h"
#include "protocol/worker_report.h"

namespace orch {
namespace {

// What the HTML report draws of a cell: its pooled latency quantiles, its phase
// medians, and its p50 across the nights of the same matrix name and host.
CellCharts cell_charts(History& history, const ExperimentRow& experiment, const CellSummaryRow& row,
                       const std::vector<std::vector<double>>& runs) {
  CellCharts charts;
  charts.label = row.cell;
  std::vector<double> samples;
  for (const auto& run : runs) samples.insert(samples.end(), run.begin(), run.end());
  if (!samples.empty()) {
    std::sort(samples.begin(), samples.end());
    charts.latency_box =
        std::array<double, 5>{percentile(samples, 0.01), percentile(samples, 0.25), percentile(samples, 0.5),
                              percentile(samples, 0.75), percentile(samples, 0.99)};
  }
  // Each cold-start phase's median: cell_summary names its column after the phase.
  for (const char* phase : protocol::phase::kAll) {
    const std::string name = phase;
    if (name == protocol::phase::kWarmup || name == protocol::phase::kTimedLoop) continue;  // not the cold start
    if (const auto ms = number_of(value_of(row.columns, name + "_ms"))) charts.phases.push_back({name, *ms});
  }
  for (const auto& night : history.trend(row.settings_hash, experiment.name, experiment.hostname, experiment.id, 30))
    charts.trend.push_back({night.experiment_id, night.started_at, night.p50_ms, night.low_ms, night.high_ms});
  return charts;
}

// Each cell's attribution line (measure/attribution.h), for the cells that have one.
std::vector<std::pair<std::string, std::string>> cell_reasons(const std::vector<CellSummaryRow>& cell_summary) {
  std::vector<std::pair<std::string, std::string>> reasons;
  for (const auto& row : cell_summary)
    if (!row.attribution.empty()) reasons.push_back({row.cell, row.attribution});
  return reasons;
}

// An experiment's cells as a comparison needs them, each with its p50 history: the
// `lookback` latest earlier experiments of the same name on the same host.
std::vector<ComparedCell> compared_cells(History& history, const ExperimentRow& experiment, int lookback) {
  std::vector<ComparedCell> cells;
  for (const auto& row : history.cell_summary(experiment.id)) {
    ComparedCell cell;
    cell.settings_hash = row.settings_hash;
    cell.label = row.cell;
    cell.samples = history.measured_samples(row.cell_id);
    const auto runs = history.cell_runs(row.cell_id);
    for (const StoredRun* run : measured_ok_runs(runs))
      for (const auto& [column, metric, field] : compared_run_metrics())
        if (const auto value = run->*field) cell.run_values[column].push_back(*value);
    cell.history_p50s =
        history.history_p50s(cell.settings_hash, experiment.name, experiment.hostname, experiment.id, lookback);
    cells.push_back(std::move(cell));
  }
  return cells;
}

}  // namespace

std::string experiment_title(const ExperimentRow& experiment) {
  return "experiment '" + experiment.name + "' (id " + std::to_string(experiment.id) + "), " + experiment.started_at +
         " on " + experiment.hostname;
}

Report make_report(ResultStore& store, int64_t experiment_id, bool people, const std::vector<std::string>& columns,
                   const std::string& baseline, bool charts) {
  History& history = store.history();
  const std::vector<CellSummaryRow> rows = history.cell_summary(experiment_id);
  const ExperimentRow experiment = store.experiments().experiment(experiment_id);
  Report report;
  report.experiment = experiment.columns;
  report.title = experiment_title(experiment) + ": medians over measured ok runs";
  report.cells = people && columns.empty() ? reading_summary(rows) : data_summary(rows, columns);
  std::vector<CellRuns> cells;
  for (const auto& row : rows) {
    CellRuns cell{row.cell, history.measured_samples(row.cell_id)};
    if (charts) report.charts.push_back(cell_charts(history, experiment, row, cell.runs));  // html only
    cells.push_back(std::move(cell));
  }
  report.speed = relative_speed(cells, baseline.empty() ? std::nullopt : std::optional<std::string>(baseline));
  report.legend = warning_legend(rows, experiment.warnings);
  std::vector<HostUse> hosts;
  for (const auto& host : history.cell_hosts(experiment_id))
    hosts.push_back({"cell " + std::to_string(host.cell_index + 1), host.facts});
  if (const auto mixed = describe_mixed_hosts(hosts))
    report.legend.push_back({"mixed-hosts", warning_meaning("mixed-hosts") + ": " + *mixed});
  report.reasons = cell_reasons(rows);
  return report;
}

ComparisonReport compare_experiments(ResultStore& store, int64_t base, int64_t now, double threshold, int lookback) {
  const ExperimentRow base_row = store.experiments().experiment(base), now_row = store.experiments().experiment(now);
  ComparisonReport report;
  report.base_title = experiment_title(base_row);
  report.new_title = experiment_title(now_row);
  report.threshold = threshold;
  if (base_row.matrix_hash != now_row.matrix_hash)
    report.warnings.push_back(
        "the two experiments ran different matrices (matrix_hash differs): only cells with the "
        "same settings are compared");
  std::vector<HostUse> hosts;
  for (const int64_t id : {base, now})
    for (const auto& host : store.history().cell_hosts(id))
      hosts.push_back({"experiment " + std::to_string(id), host.facts});
  if (const auto mixed = describe_mixed_hosts(hosts))
    report.warnings.push_back("mixed-hosts: the cells were measured on machines that differ: " + *mixed);
  for (const ExperimentRow* row : {&base_row, &now_row})
    if (row->drift_share && *row->drift_share > kMaxDriftShare)
      report.warnings.push_back("experiment " + std::to_string(row->id) +
                                " drifted: its calibration kernel's level moved " +
                                format_number(*row->drift_share * 100, 0) +
                                "%, so its cells were not all measured on a machine of the same speed");
  ComparisonOptions options;
  options.threshold = threshold;
  report.comparison = compare_cells(compared_cells(store.history(), base_row, lookback),
                                    compared_cells(store.history(), now_row, lookback), options);
  report.reasons = cell_reasons(store.history().cell_summary(now));
  return report;
}

}  // namespace orch

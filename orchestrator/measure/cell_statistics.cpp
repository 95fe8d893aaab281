// A cell's statistics from its stored runs (see cell_statistics.h).
#include "measure/cell_statistics.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "common/text.h"
#include "measure/attribution.h"
#include "measure/intervals.h"
#include "measure/statistics.h"
#include "measure/stored_run.h"
#include "measure/variance_components.h"
#include "measure/warnings.h"

namespace orch {
namespace {

// Medians over the measured ok runs, each a column of cell_statistics from a field of
// the runs: real ones, then integer ones.
struct Median {
  const char* column;
  RunMetric metric;
};
constexpr Median kRealMedians[] = {
    {"process_start_ms", &StoredRun::process_start_ms}, {"runtime_init_ms", &StoredRun::runtime_init_ms},
    {"cold_start_ms", &StoredRun::cold_start_ms},       {"library_load_ms", &StoredRun::library_load_ms},
    {"model_load_ms", &StoredRun::model_load_ms},       {"first_inference_ms", &StoredRun::first_inference_ms},
    {"latency_mean_ms", &StoredRun::latency_mean_ms},   {"latency_p50_ms", &StoredRun::latency_p50_ms},
    {"throttled_ms", &StoredRun::throttled_ms},         {"device_latency_p50_ms", &StoredRun::device_latency_p50_ms}};
constexpr Median kIntegerMedians[] = {{"max_rss_kib", &StoredRun::max_rss_kib},
                                      {"involuntary_ctx_switches", &StoredRun::involuntary_ctx_switches},
                                      {"peak_memory_bytes", &StoredRun::memory_peak_bytes}};
// The phases that make a run's cold start (first-run-slow).
constexpr RunMetric kColdStartPhases[] = {&StoredRun::library_load_ms, &StoredRun::model_load_ms,
                                          &StoredRun::first_inference_ms};

Value median_of(const std::vector<const StoredRun*>& runs, RunMetric metric, bool integer) {
  const auto middle = median_over(runs, [metric](const StoredRun& run) { return run.*metric; });
  if (!middle) return {};
  return integer ? Value(static_cast<int64_t>(*middle)) : Value(*middle);
}

// The distinct texts of `text(run)`, in run order, joined by commas; NULL when none.
template <typename Text>
Value distinct_of(const std::vector<const StoredRun*>& runs, Text text) {
  std::vector<std::string> seen;
  for (const StoredRun* run : runs) {
    const std::string value = text(*run);
    if (!value.empty() && std::find(seen.begin(), seen.end(), value) == seen.end()) seen.push_back(value);
  }
  return optional_text(join(seen, ","));
}

}  // namespace

Columns cell_statistics(const std::vector<StoredRun>& runs, const std::vector<std::vector<double>>& samples) {
  std::vector<const StoredRun*> measured, ok;
  for (const auto& run : runs)
    if (run.measured()) {
      measured.push_back(&run);
      if (run.ok()) ok.push_back(&run);
    }

  Columns row = {{"runs", static_cast<int64_t>(measured.size())}, {"runs_ok", static_cast<int64_t>(ok.size())}};
  for (const auto& [column, value] : kInEffectColumns)  // what was in effect: distinct values
    row.push_back(
        {column, distinct_of(measured, [value = value](const StoredRun& run) { return text_of(run.*value); })});

  int64_t mismatches = 0;
  std::vector<const StoredRun*> failed;
  std::set<std::string> warnings;
  for (const StoredRun* run : measured) {
    if (!run->limits_mismatch.empty()) ++mismatches;
    if (!run->ok()) failed.push_back(run);
    for (auto& code : split_codes(run->warnings)) warnings.insert(code);
  }
  std::vector<double> p50s, cold_starts;
  for (const StoredRun* run : ok) {
    p50s.push_back(run->latency_p50_ms.value_or(0));
    double cold_start = 0;
    for (const RunMetric phase : kColdStartPhases) cold_start += (run->*phase).value_or(0);
    cold_starts.push_back(cold_start);
  }
  for (auto& code : cell_warnings(cold_starts)) warnings.insert(code);
  // Runs whose p50 is far from the others' (statistics.h: modified Z-score) and off the
  // cell's median by more than kMinOutlierShare: kept in every median and interval, and
  // named. (Three tight runs make a tiny MAD, and a run 1% off would score high.)
  std::vector<std::string> outliers;
  const auto scores = modified_z_scores(p50s);
  const double cell_p50 = p50s.empty() ? 0 : median(p50s);
  for (size_t i = 0; i < scores.size(); ++i)
    if (std::abs(scores[i]) > kOutlierScore && std::abs(p50s[i] - cell_p50) > kMinOutlierShare * cell_p50)
      outliers.push_back(std::to_string(ok[i]->run_index));
  if (!outliers.empty()) warnings.insert("outlier-run");
  // Too few ok runs for the interval to reach kTargetConfidence (README: Warnings).
  if (!p50s.empty() && p50s.size() < values_for_confidence(kTargetConfidence)) warnings.insert("few-runs");
  row.push_back({"outlier_runs", join(outliers, ",")});
  const auto components = variance_components(ok);
  row.push_back({"variance_within_ms2", components ? Value(components->within) : Value()});
  row.push_back({"variance_between_ms2", components ? Value(components->between) : Value()});
  row.push_back({"between_runs_share", components ? Value(components->between_share()) : Value()});
  row.push_back({"attribution", optional_text(join(attribution(runs), "; "))});
  row.push_back({"limit_mismatches", mismatches});
  row.push_back({"failures", distinct_of(failed, [](const StoredRun& run) { return run.status; })});
  row.push_back({"warnings", optional_text(join(std::vector<std::string>(warnings.begin(), warnings.end()), ","))});

  for (const auto& [column, metric] : kRealMedians) row.push_back({column, median_of(ok, metric, false)});
  // The tail: a percentile over every timed iteration of the measured ok runs, as
  // hyperfine and the inference benchmarks take it (a median of the runs' p99s hides a
  // run whose iterations were slow); the runs' own p99s stay in runs.
  std::vector<double> pooled;
  for (const auto& run : samples) pooled.insert(pooled.end(), run.begin(), run.end());
  std::sort(pooled.begin(), pooled.end());
  row.push_back({"latency_p99_ms",
                 pooled.empty() ? median_of(ok, &StoredRun::latency_p99_ms, false) : Value(percentile(pooled, 0.99))});
  for (const auto& [column, metric] : kIntegerMedians) row.push_back({column, median_of(ok, metric, true)});
  if (p50s.empty()) {
    row.insert(row.end(), {{"latency_p50_ci_low_ms", Value()},
                           {"latency_p50_ci_high_ms", Value()},
                           {"latency_p50_ci_confidence", Value()},
                           {"run_to_run_cv", Value()}});
  } else {
    const Interval interval = median_interval(p50s, kTargetConfidence);
    row.insert(row.end(), {{"latency_p50_ci_low_ms", interval.low},
                           {"latency_p50_ci_high_ms", interval.high},
                           {"latency_p50_ci_confidence", interval.confidence},
                           {"run_to_run_cv", coefficient_of_variation(p50s)}});
  }
  return row;
}

}  // namespace orch

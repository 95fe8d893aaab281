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
#include "measure/stored_runs.h"
#include "measure/variance_components.h"
#include "measure/warnings.h"

namespace orch {
namespace {

// Medians over the measured ok runs: real ones, then integer ones.
constexpr const char* kRealMedians[] = {"process_start_ms", "runtime_init_ms",      "cold_start_ms",
                                        "library_load_ms",  "model_load_ms",        "first_inference_ms",
                                        "latency_mean_ms",  "latency_p50_ms",       "latency_p99_ms",
                                        "throttled_ms",     "device_latency_p50_ms"};
constexpr const char* kIntegerMedians[] = {"max_rss_kib", "involuntary_ctx_switches"};
// Integer median whose stored column has another name in runs.
constexpr const char* kPeakMemoryRuns = "memory_peak_bytes";
// What was in effect: distinct values of the measured runs.
constexpr const char* kInEffect[] = {"intra_op_threads",
                                     "inter_op_threads",
                                     "effective_cpus",
                                     "effective_cpu_quota_percent",
                                     "effective_memory_limit_bytes",
                                     "device_name"};
// The phases that make a run's cold start (first-run-slow).
constexpr const char* kColdStartPhases[] = {"library_load_ms", "model_load_ms", "first_inference_ms"};

Value median_of(const std::vector<const Columns*>& runs, const char* column, bool integer) {
  const auto middle = median_over(runs, [column](const Columns& run) { return number_in(run, column); });
  if (!middle) return {};
  return integer ? Value(static_cast<int64_t>(*middle)) : Value(*middle);
}

// The distinct texts of `column`, in run order, joined by commas; NULL when none.
Value distinct_of(const std::vector<const Columns*>& runs, const char* column) {
  std::vector<std::string> seen;
  for (const Columns* run : runs) {
    const std::string text = text_of(value_of(*run, column));
    if (!text.empty() && std::find(seen.begin(), seen.end(), text) == seen.end()) seen.push_back(text);
  }
  return optional_text(join(seen, ","));
}

}  // namespace

Columns cell_statistics(const std::vector<Columns>& runs) {
  std::vector<const Columns*> measured, ok;
  for (const auto& run : runs)
    if (is_measured(run)) {
      measured.push_back(&run);
      if (is_ok(run)) ok.push_back(&run);
    }

  Columns row = {{"runs", static_cast<int64_t>(measured.size())}, {"runs_ok", static_cast<int64_t>(ok.size())}};
  for (const char* column : kInEffect) row.push_back({column, distinct_of(measured, column)});

  int64_t mismatches = 0;
  std::vector<const Columns*> failed;
  std::set<std::string> warnings;
  for (const Columns* run : measured) {
    if (!text_of(value_of(*run, "limits_mismatch")).empty()) ++mismatches;
    if (!is_ok(*run)) failed.push_back(run);
    for (auto& code : split_codes(text_of(value_of(*run, "warnings")))) warnings.insert(code);
  }
  std::vector<double> p50s, cold_starts;
  for (const Columns* run : ok) {
    p50s.push_back(number_of(value_of(*run, "latency_p50_ms")).value_or(0));
    double cold_start = 0;
    for (const char* phase : kColdStartPhases) cold_start += number_of(value_of(*run, phase)).value_or(0);
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
      outliers.push_back(text_of(value_of(*ok[i], "run_index")));
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
  row.push_back({"failures", distinct_of(failed, "status")});
  row.push_back({"warnings", optional_text(join(std::vector<std::string>(warnings.begin(), warnings.end()), ","))});

  for (const char* column : kRealMedians) row.push_back({column, median_of(ok, column, false)});
  for (const char* column : kIntegerMedians) row.push_back({column, median_of(ok, column, true)});
  row.push_back({"peak_memory_bytes", median_of(ok, kPeakMemoryRuns, true)});
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

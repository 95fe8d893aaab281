// Two experiments compared cell by cell (`orchestrator compare`, `run --compare-to`):
// did anything change, and is the change bigger than the nights' own spread? Pure
// functions over what the store read.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "measure/intervals.h"
#include "measure/stored_run.h"

namespace orch {

// One experiment's cell, as a comparison needs it.
struct ComparedCell {
  std::string settings_hash;  // the identity cells are matched on
  std::string label;
  std::vector<std::vector<double>> samples;  // each measured ok run's timed iterations (ms)
  // Per measured ok run: "latency_p99_ms", "library_load_ms", "model_load_ms",
  // "first_inference_ms", "cold_start_ms".
  std::map<std::string, std::vector<double>> run_values;
  // The cell's p50 in earlier experiments of the same matrix name on the same host,
  // newest first, the base experiment's included (for the lookback).
  std::vector<double> history_p50s;
};

struct ComparisonOptions {
  double threshold = 0.05;  // a change smaller than this share is no change
  double max_z = 5;         // a p50 within this many robust deviations of the history is no change
  size_t min_history = 3;   // fewer earlier nights: a p50 change is not a verdict, and it says so
  // Metrics with one value per run (p99, cold-start phases) are judged only with this
  // many runs on both sides (values_for_confidence: 6); the p50, whose interval also
  // resamples iterations, always.
  size_t min_runs = 6;
};

enum class Verdict { kNoChange, kFaster, kSlower };
const char* verdict_name(Verdict verdict);  // "no change", "faster", "slower"

struct MetricChange {
  std::string metric;  // "p50", "p99", "library_load", ...
  double base = 0;     // the base cell's median (ms)
  double now = 0;      // the new cell's median (ms)
  Ratio ratio;         // now / base, with its two-level interval
  Verdict verdict = Verdict::kNoChange;
  std::string why;  // for a no-change that the interval or threshold alone would flag
};

struct CellChange {
  std::string label;
  std::string settings_hash;
  std::vector<MetricChange> metrics;
  size_t history_nights = 0;  // earlier nights the p50 was judged against
};

struct Comparison {
  std::vector<CellChange> matched;
  std::vector<std::string> added;    // labels of the new experiment's cells the base lacks
  std::vector<std::string> removed;  // labels of the base's cells the new one lacks
  std::vector<std::string> changed;  // labels in both whose settings differ
  bool regression() const;           // some metric of some cell is slower
};

// Matches `now` against `base` on settings hashes and judges every metric: a change
// needs its interval to leave out 1 and to exceed options.threshold; a p50 also
// needs options.min_history earlier nights of the cell, and to lie beyond
// options.max_z robust deviations (median and MAD, as Conbench) of them; a metric of
// one value per run needs options.min_runs runs.
Comparison compare_cells(const std::vector<ComparedCell>& base, const std::vector<ComparedCell>& now,
                         const ComparisonOptions& options = {});

// The metrics compared besides the p50, by their runs columns.
// The per-run metrics compared besides the p50: ComparedCell::run_values's keys
// (`column`), each with its metric's name and its field of a stored run.
struct ComparedRunMetric {
  std::string column, metric;
  RunMetric field;
};
const std::vector<ComparedRunMetric>& compared_run_metrics();

}  // namespace orch

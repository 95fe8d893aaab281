// A run as the results DB holds it, read back: what a cell's statistics, runs: auto,
// plan --from-history and compare read of it. The store maps the runs table's
// columns to these fields, once (store/history.cpp); nothing else reads a run by a
// column's name. Absent values (NULL) are nullopt, "" or an empty Value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/value.h"
#include "measure/statistics.h"

namespace orch {

struct StoredRun {
  int64_t id = 0;
  int run_index = 0;
  bool warmup = false;
  std::string status;           // ok, a failure's status, or running, aborted, slurm_*
  std::string warnings;         // codes (warnings.h), comma-separated
  std::string limits_mismatch;  // what was not in effect; "" when all was

  // What was in effect, as stored (its text is what cell_summary shows).
  Value intra_op_threads, inter_op_threads, effective_cpus, effective_cpu_quota_percent, effective_memory_limit_bytes,
      device_name;

  // Times (ms) and counters.
  std::optional<double> wall_ms, timed_loop_ms, latency_n, latency_mean_ms, latency_stddev_ms, latency_p50_ms,
      latency_p99_ms, device_latency_p50_ms;
  std::optional<double> process_start_ms, runtime_init_ms, library_load_ms, model_load_ms, first_inference_ms,
      cold_start_ms;
  std::optional<double> throttled_ms, max_rss_kib, involuntary_ctx_switches, memory_peak_bytes, fs_read_kib,
      major_faults, others_cpu_share;

  bool measured() const { return !warmup; }
  bool ok() const { return status == "ok"; }
};

// A metric of a run, by its field: for tables that name what they read.
using RunMetric = std::optional<double> StoredRun::*;

// What was in effect, each with its column's name: in runs (which the store reads)
// and in cell_statistics (the distinct values of a cell's runs), declared once here.
struct InEffectColumn {
  const char* column;
  Value StoredRun::*field;
};
inline constexpr InEffectColumn kInEffectColumns[] = {
    {"intra_op_threads", &StoredRun::intra_op_threads},
    {"inter_op_threads", &StoredRun::inter_op_threads},
    {"effective_cpus", &StoredRun::effective_cpus},
    {"effective_cpu_quota_percent", &StoredRun::effective_cpu_quota_percent},
    {"effective_memory_limit_bytes", &StoredRun::effective_memory_limit_bytes},
    {"device_name", &StoredRun::device_name}};

// The measured runs that are ok, in their order.
std::vector<const StoredRun*> measured_ok_runs(const std::vector<StoredRun>& runs);

// The median of `value(run)` over the runs where it is known; nullopt where it is
// known for none.
template <typename Get>
std::optional<double> median_over(const std::vector<const StoredRun*>& runs, Get value) {
  std::vector<double> values;
  for (const StoredRun* run : runs)
    if (const std::optional<double> known = value(*run)) values.push_back(*known);
  if (values.empty()) return std::nullopt;
  return median(values);
}

}  // namespace orch

// When a number should not be trusted. Each warning is a short code, stored with the
// run (runs.warnings), the cell (cells.warnings) or the experiment
// (experiments.warnings), shown in the printed table and explained in the README.
#pragma once

#include <string>
#include <vector>

#include "run_record.h"

namespace orch {

// Thresholds, named here once.
inline constexpr double kMaxCv = 0.05;               // latency stddev / mean within a run
inline constexpr double kFirstRunSlowFactor = 1.5;   // first measured cold start vs the others' median
inline constexpr double kHighLoadPerCpu = 0.5;       // 1-minute load average per online CPU

// cv, throttled, oversubscribed, limits, swap: from one finished run.
// `swap_used_bytes` is read just before the run.
std::vector<std::string> run_warnings(const RunRecord& run, long long swap_used_bytes);

// first-run-slow: the first measured run's cold start (library_load + model_load +
// first_inference) is more than kFirstRunSlowFactor x the median of the others.
// `cold_start_ms` holds the measured ok runs of a cell, in run order.
// (ResultStore::update_cell_statistics reads them from the DB.)
std::vector<std::string> cell_warnings(const std::vector<double>& cold_start_ms);

// The machine at the start of an experiment.
struct HostState {
  std::string governor;      // scaling_governor of cpu0; "" when there is no cpufreq
  double load_average_1m = 0;
  int online_cpus = 1;
  long long swap_used_bytes = 0;
};
HostState read_host_state(int online_cpus);
long long swap_used_bytes();  // /proc/meminfo: SwapTotal - SwapFree
// governor, load, swap.
std::vector<std::string> host_warnings(const HostState& host);

std::string join_codes(const std::vector<std::string>& codes);  // "cv,throttled"; "" if none

}  // namespace orch

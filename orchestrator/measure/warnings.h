// When a number should not be trusted. Each warning is a short code, stored with the
// run (runs.warnings), the cell (cells.warnings) or the experiment
// (experiments.warnings), shown in the printed table and explained in the README.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "measure/interference.h"
#include "measure/run_record.h"

namespace orch {

// Thresholds, named here once, each from what it means for a result.
// `cv`: the run's own p50 is uncertain by more than this share: the half-width of the
// distribution-free 95% interval of the median of its iterations (intervals.h), over
// the p50. A run with a long tail or many iterations still has a precise p50; 1% is a
// fifth of the 5% a comparison calls a change.
inline constexpr double kMaxP50Uncertainty = 0.01;
// `throttled`: the run's cgroup was held back for more than this share of the run's
// wall time: its latencies were stretched by at least as much.
inline constexpr double kMaxThrottledShare = 0.01;
// `not-cold`: after drop or evict, more than this share of the model or of LibTorch
// was still in the page cache (other processes had it mapped): not a cold start.
inline constexpr double kMaxResidentPercentWhenCold = 10;
inline constexpr double kFirstRunSlowFactor = 1.5;  // first measured cold start vs the others' median
// `outlier-run`: besides its modified Z-score (statistics.h: kOutlierScore), a run's p50
// must be this share off the cell's median p50: less than the 5% a comparison calls a
// change would not change a conclusion.
inline constexpr double kMinOutlierShare = 0.05;
// The confidence a cell's interval should have; with fewer ok runs than it takes
// (values_for_confidence: 6), the interval says what it has and the cell is few-runs.
inline constexpr double kTargetConfidence = 0.95;
// `load`: other work kept more than max(kBusyCpusMin, kBusyShare x online CPUs) of the
// CPUs busy from the experiment's start to its first run's end (HostLoad, in the
// runner). Measured, not the 1-minute load average, which still counts a build that
// has just finished.
inline constexpr double kBusyCpusMin = 0.5;
inline constexpr double kBusyShare = 0.1;

// `oversubscribed`: more intra-op threads than CPUs (`cpus`; 0: unknown), or than the
// whole CPUs of the CPU quota (a quota of 100% is one CPU's worth of time, whatever
// the affinity allows). The compute threads count: the intra-op pool is what runs at
// once (the process also has a main thread and idle inter-op threads).
struct Oversubscription {
  bool above_cpus = false, above_quota = false;
};
Oversubscription oversubscribed(int threads, size_t cpus, std::optional<double> quota_percent);

// cv, throttled, oversubscribed, not-cold, limits, concurrent, swap: from one
// finished run.
// `swap_used_bytes` is read just before the run.
std::vector<std::string> run_warnings(const RunRecord& run, long long swap_used_bytes);

// first-run-slow: the first measured run's cold start (library_load + model_load +
// first_inference) is more than kFirstRunSlowFactor x the median of the others.
// `cold_start_ms` holds the measured ok runs of a cell, in run order.
// (ResultStore::update_cell_statistics reads them from the DB.)
std::vector<std::string> cell_warnings(const std::vector<double>& cold_start_ms);

// The machine at the start of an experiment.
struct HostState {
  std::string governor;  // scaling_governor of cpu0; "" when there is no cpufreq
  double busy_cpus = 0;  // CPUs' worth of other work (the runner's HostLoad)
  int online_cpus = 1;
  long long swap_used_bytes = 0;
  double load_average_1m = 0;  // for the log only
};
// All but busy_cpus, read at once.
HostState read_host_state(int online_cpus);

// HostState::busy_cpus, sampled while work that has to be done anyway goes on, so that
// it costs no wait: the whole machine's busy and stolen CPU time (/proc/stat) from the
// experiment's start to its first run's end, less the orchestrator's own -- this
// process and its reaped children, the run's worker among them. Where the run's child
// is not its worker (docker's client, whose engine then works for the run), the
// window ends at the run's spawn instead.
// /proc/stat counts in clock ticks (10 ms): a window shorter than kMinLoadWindow (a
// docker run's, which ends at its spawn) cannot tell a busy CPU from one stray tick,
// and judges nothing.
inline constexpr std::chrono::milliseconds kMinLoadWindow{250};
class HostLoad {
 public:
  HostLoad();      // opens the window now
  void spawned();  // the first run's worker was spawned (later calls: nothing)
  void reaped();   // the first run's child was reaped (later calls: nothing)
  // Other work in the window, in CPUs; nullopt before spawned(), or for a window
  // shorter than kMinLoadWindow.
  std::optional<double> busy_cpus(bool child_is_worker) const;

 private:
  struct Mark {
    MachineSnapshot machine;
    double own_cpu_ms = 0;
  };
  static Mark now();
  Mark opened_;
  std::optional<Mark> spawned_, reaped_;
};
long long swap_used_bytes();  // /proc/meminfo: SwapTotal - SwapFree
// governor, load, swap.
std::vector<std::string> host_warnings(const HostState& host);

std::string join_codes(const std::vector<std::string>& codes);  // "cv,throttled"; "" if none
std::vector<std::string> split_codes(const std::string& text);  // the reverse: "" gives none

// What a warning code means, in one line, for a report's legend (the README says more
// and what to do); "" for a code this build does not know.
std::string warning_meaning(const std::string& code);

}  // namespace orch

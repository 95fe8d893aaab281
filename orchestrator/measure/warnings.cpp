// Trust warnings (see warnings.h).
#include "measure/warnings.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "common/text.h"
#include "launch/cgroups/cgroup_files.h"
#include "measure/intervals.h"

namespace orch {

Oversubscription oversubscribed(int threads, size_t cpus, std::optional<double> quota_percent) {
  return {cpus > 0 && threads > static_cast<int>(cpus),
          quota_percent && threads > static_cast<int>(std::ceil(*quota_percent / 100 - 1e-9))};
}

std::vector<std::string> run_warnings(const RunRecord& run, long long swap_used_bytes) {
  std::vector<std::string> codes;
  if (run.report && !run.report->samples_ms.empty() && run.latency && run.latency->p50_ms > 0) {
    const Interval p50 = median_interval(run.report->samples_ms);
    if ((p50.high - p50.low) / 2 / run.latency->p50_ms > kMaxP50Uncertainty) codes.push_back("cv");
  }
  if (run.evidence.cgroup && run.process.wall_ms > 0 &&
      run.evidence.cgroup->throttled_ms.value_or(0) > kMaxThrottledShare * run.process.wall_ms)
    codes.push_back("throttled");
  if (run.report) {
    const auto& runtime = run.report->runtime;
    const auto over =
        oversubscribed(runtime.torch.intra_op_threads, runtime.allowed_cpus.size(), runtime.cgroup.cpu_quota_percent);
    if (over.above_cpus || over.above_quota) codes.push_back("oversubscribed");
  }
  const bool made_cold = !run.cache_action.empty() && run.cache_action.rfind("could not", 0) != 0;
  if (made_cold && (run.model_resident_pct.value_or(0) > kMaxResidentPercentWhenCold ||
                    run.libtorch_resident_pct.value_or(0) > kMaxResidentPercentWhenCold))
    codes.push_back("not-cold");
  if (!run.limit_mismatches.empty()) codes.push_back("limits");
  if (!run.concurrent_orchestrators.empty()) codes.push_back("concurrent");
  // Another orchestrator measuring beside it is interference whatever its share. Where
  // the supervised child is not the worker (docker's client), the others' share holds
  // the engine's work for the run (starting the container): only steal counts there.
  const auto& beside = run.interference;
  if ((beside && ((run.evidence.child_is_worker && beside->others_cpu_share > kMaxInterferenceShare) ||
                  beside->steal_share > kMaxInterferenceShare)) ||
      !run.concurrent_orchestrators.empty())
    codes.push_back("interference");
  if (swap_used_bytes > 0) codes.push_back("swap");
  return codes;
}

std::vector<std::string> cell_warnings(const std::vector<double>& cold_start_ms) {
  if (cold_start_ms.size() < 3) return {};
  const double others = median({cold_start_ms.begin() + 1, cold_start_ms.end()});
  if (others > 0 && cold_start_ms.front() > kFirstRunSlowFactor * others) return {"first-run-slow"};
  return {};
}

long long swap_used_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key, unit;
  long long value = 0, total = 0, free = 0;
  while (meminfo >> key >> value) {
    std::getline(meminfo, unit);
    if (key == "SwapTotal:") total = value;
    if (key == "SwapFree:") free = value;
  }
  return (total - free) * 1024;
}

namespace {}  // namespace

HostState read_host_state(int online_cpus) {
  HostState host;
  host.online_cpus = online_cpus;
  host.governor = cgroup_files::read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor").value_or("");
  std::ifstream("/proc/loadavg") >> host.load_average_1m;
  host.swap_used_bytes = swap_used_bytes();
  return host;
}

HostLoad::Mark HostLoad::now() { return {take_machine_snapshot({}), orchestrator_cpu_ms()}; }

HostLoad::HostLoad() : opened_(now()) {}

void HostLoad::spawned() {
  if (!spawned_) spawned_ = now();
}

void HostLoad::reaped() {
  if (!reaped_) reaped_ = now();
}

std::optional<double> HostLoad::busy_cpus(bool child_is_worker) const {
  const std::optional<Mark>& end = child_is_worker && reaped_ ? reaped_ : spawned_;
  if (!end || end->machine.monotonic_ns - opened_.machine.monotonic_ns <
                  std::chrono::duration_cast<std::chrono::nanoseconds>(kMinLoadWindow).count())
    return std::nullopt;
  const Interference others = interference_between(opened_.machine, end->machine, end->own_cpu_ms - opened_.own_cpu_ms);
  return (others.others_cpu_share + others.steal_share) * others.cpus;
}

std::vector<std::string> host_warnings(const HostState& host) {
  std::vector<std::string> codes;
  if (!host.governor.empty() && host.governor != "performance") codes.push_back("governor");
  if (host.busy_cpus > std::max(kBusyCpusMin, kBusyShare * host.online_cpus)) codes.push_back("load");
  if (host.swap_used_bytes > 0) codes.push_back("swap");
  return codes;
}

std::string join_codes(const std::vector<std::string>& codes) { return join(codes, ","); }

std::vector<std::string> split_codes(const std::string& text) {
  std::vector<std::string> codes;
  for (size_t start = 0; start < text.size();) {
    const size_t end = std::min(text.find(',', start), text.size());
    if (end > start) codes.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return codes;
}

std::string warning_meaning(const std::string& code) {
  static const std::vector<std::pair<std::string, std::string>> meanings = {
      {"cv", "a run's own p50 is uncertain by more than 1% (the 95% interval of the median of its iterations)"},
      {"few-runs", "too few ok runs for a 95% interval: the interval shows the confidence it has; 6 runs give 95%"},
      {"outlier-run",
       "a measured run's p50 was far from the others' (modified Z-score over 3.5; "
       "cell_summary.outlier_runs): kept in the medians, named"},
      {"first-run-slow", "the first measured run's cold start was over 1.5x the others': it met a colder cache"},
      {"throttled", "the CPU quota held the run back for more than 1% of its time"},
      {"oversubscribed", "more intra-op threads than the CPUs, or the CPU quota, the worker had"},
      {"not-cold", "drop or evict ran, but the model or LibTorch stayed over 10% in the page cache"},
      {"limits", "a limit in effect differed from the one asked (runs.limits_mismatch)"},
      {"swap", "swap was in use just before the run"},
      {"concurrent", "another orchestrator measured on this machine during the run"},
      {"interference",
       "other processes (or the hypervisor) took over 10% of the run's CPUs, or another "
       "orchestrator measured beside it (runs.others_cpu_share)"},
      {"mixed-hosts",
       "experiment or comparison: cells measured on machines that differ (the run_hosts view); a difference "
       "between such cells may be the machines'"},
      {"drift",
       "the calibration kernel's level (medians of 3 consecutive calibrations) moved more than 10% during the "
       "experiment (experiments.drift_share): the machine's speed changed while the cells ran"},
      {"governor", "the CPU frequency governor is not performance"},
      {"load", "other work kept the CPUs busy when the experiment started"},
  };
  for (const auto& [known, meaning] : meanings)
    if (known == code) return meaning;
  return "";
}

}  // namespace orch

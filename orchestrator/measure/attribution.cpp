// Why a cell is slow or noisy (see attribution.h).
#include "measure/attribution.h"

#include <cmath>
#include <optional>

#include "common/cpu_list.h"
#include "common/text.h"
#include "measure/interference.h"
#include "measure/stored_run.h"
#include "measure/warnings.h"

namespace orch {
namespace {

// "260k", "1.2M", "326".
std::string count_text(double value) {
  if (value >= 1e6) return format_number(value / 1e6, 1) + "M";
  if (value >= 1e4) return format_number(value / 1e3, 0) + "k";
  return format_number(value, 0);
}

}  // namespace

std::vector<std::string> attribution(const std::vector<StoredRun>& runs) {
  const std::vector<const StoredRun*> ok = measured_ok_runs(runs);
  if (ok.empty()) return {};
  std::vector<std::string> phrases;
  const StoredRun& first = *ok.front();
  const auto threads = number_of(first.intra_op_threads);
  const std::string cpu_list = text_of(first.effective_cpus);
  const size_t cpus = cpu_list.empty() ? 0 : parse_cpu_list(cpu_list).size();
  const auto quota = number_of(first.effective_cpu_quota_percent);

  const auto throttled = median_over(ok, [](const StoredRun& run) -> std::optional<double> {
    if (!run.throttled_ms || !run.wall_ms || *run.wall_ms <= 0) return std::nullopt;
    return *run.throttled_ms / *run.wall_ms;
  });
  if (throttled && *throttled > kMaxThrottledShare) {
    std::string phrase = "throttled " + format_number(*throttled * 100, 0) + "% of its run time";
    if (quota)
      phrase +=
          " (quota " + format_number(*quota, 0) + "%" +
          (threads ? " with " + format_number(*threads, 0) + " intra-op thread" + (*threads == 1 ? "" : "s") : "") +
          ")";
    phrases.push_back(phrase);
  }

  const Oversubscription over = threads ? oversubscribed(static_cast<int>(*threads), cpus, quota) : Oversubscription{};
  if (over.above_cpus || over.above_quota) {
    std::string phrase = "oversubscribed: " + format_number(*threads, 0) + " threads on " +
                         (over.above_cpus ? std::to_string(cpus) + " CPU" + (cpus == 1 ? "" : "s")
                                          : "a quota of " + format_number(*quota, 0) + "%");
    if (const auto switches = median_over(ok, [](const StoredRun& run) { return run.involuntary_ctx_switches; }))
      phrase += ", " + count_text(*switches) + " involuntary context switches per run";
    phrases.push_back(phrase);
  }

  const auto read_kib = median_over(ok, [](const StoredRun& run) { return run.fs_read_kib; });
  const auto faults = median_over(ok, [](const StoredRun& run) { return run.major_faults; });
  if ((read_kib && *read_kib >= kColdReadKib) || (faults && *faults >= kColdMajorFaults)) {
    std::vector<std::string> evidence;
    if (read_kib && *read_kib > 0) evidence.push_back(format_number(*read_kib / 1024, 0) + " MiB read from storage");
    if (faults) evidence.push_back(count_text(*faults) + " major faults");
    phrases.push_back("cold: " + join(evidence, ", "));
  }

  const auto others = median_over(ok, [](const StoredRun& run) { return run.others_cpu_share; });
  if (others && *others > kMaxInterferenceShare && cpus > 0)
    phrases.push_back("interference: other processes used " + format_number(*others * cpus, 1) + " CPU of its " +
                      std::to_string(cpus));

  size_t swapping = 0;
  for (const StoredRun* run : ok)
    for (const auto& code : split_codes(run->warnings))
      if (code == "swap") ++swapping;
  if (swapping > 0)
    phrases.push_back("memory: swap in use (" + std::to_string(swapping) + " of " + std::to_string(ok.size()) +
                      " runs)");
  return phrases;
}

}  // namespace orch

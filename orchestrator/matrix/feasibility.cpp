// The machine's limits on a matrix (see feasibility.h).
#include "matrix/feasibility.h"

#include <algorithm>

#include "common/cpu_list.h"
#include "matrix/cache_setting.h"
#include "matrix/settings.h"

namespace orch {
namespace {

bool contains(const std::vector<int>& cpus, int cpu) { return std::find(cpus.begin(), cpus.end(), cpu) != cpus.end(); }

void check_cell(const Experiment& experiment, const Cell& cell, const SystemInfo& system) {
  const CellSettings& settings = cell.settings;
  auto fail = [&](Setting setting, const std::string& what, const std::string& hint) {
    throw UserError(origin_of(experiment, cell, setting), what, hint);
  };
  for (int cpu : settings.cpuset) {
    if (!contains(system.online_cpus, cpu))
      fail(Setting::kCpuset, "cpuset: CPU " + std::to_string(cpu) + " does not exist on " + system.where,
           "online CPUs there: " + format_cpu_list(system.online_cpus));
    if (!contains(system.allowed_cpus, cpu))
      fail(Setting::kCpuset, "cpuset: CPU " + std::to_string(cpu) + " is outside the orchestrator's own affinity",
           "CPUs this process may use: " + format_cpu_list(system.allowed_cpus));
  }
  const double most = 100.0 * static_cast<double>(system.online_cpus.size());
  if (settings.cpu_quota_percent && *settings.cpu_quota_percent > most)
    fail(Setting::kCpuQuota,
         "cpu_quota: " + label_of(Setting::kCpuQuota, settings).substr(6) + " is more than " + system.where + "'s " +
             std::to_string(system.online_cpus.size()) + " CPUs can give",
         "at most " + std::to_string(static_cast<int>(most)) + "%");
  const int64_t most_mib = system.refuse_memory_above_mib;
  if (settings.memory_bytes && most_mib > 0 && *settings.memory_bytes > (most_mib << 20))
    fail(Setting::kMemory,
         "memory: " + label_of(Setting::kMemory, settings).substr(7) + " is more than " + system.where + "'s " +
             std::to_string(most_mib) + " MiB",
         "at most " + std::to_string(most_mib) + "M");
  if (auto problem = cache_policy_problem(settings.cache))
    fail(Setting::kCache, *problem, "cache: evict makes the model and LibTorch cold without root");
}

}  // namespace

void check_feasible(const Experiment& experiment, const SystemInfo& system) {
  for (const auto& cell : experiment.cells) check_cell(experiment, cell, system);
}

}  // namespace orch

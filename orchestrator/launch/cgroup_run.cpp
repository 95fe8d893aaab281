// Runs in their own cgroup (see cgroup_run.h).
#include "launch/cgroup_run.h"

namespace orch {

CgroupRun::CgroupRun(LaunchCommand command, CgroupSystem& cgroups, const std::string& run_name,
                     const CgroupLimits& limits)
    : LaunchedRun(std::move(command)), limits_(limits), group_(cgroups.create(run_name, limits)) {}

std::vector<std::string> CgroupRun::join_files() const { return group_->procs_files(); }

void CgroupRun::kill_all() { group_->kill_all(); }

RunEvidence CgroupRun::collect() {
  RunEvidence evidence;
  evidence.cgroup_path = group_->path();
  evidence.cgroup = group_->read();
  evidence.cgroup_limits = limits_;
  evidence.oom_killed = evidence.cgroup->oom_kills.value_or(0) > 0;
  return evidence;
}

CgroupLimits cgroup_limits(const CellSettings& settings) {
  return {settings.cpu_quota_percent, settings.cpuset, settings.memory_bytes};
}

bool has_limits(const CgroupLimits& limits) {
  return limits.cpu_quota_percent || !limits.cpuset.empty() || limits.memory_bytes;
}

std::unique_ptr<LaunchedRun> launch_tracked(CgroupSystem& cgroups, LaunchCommand command, const CgroupLimits& limits,
                                            const std::string& run_name) {
  if (cgroups.unusable_reason() && !has_limits(limits)) return std::make_unique<LaunchedRun>(std::move(command));
  return std::make_unique<CgroupRun>(std::move(command), cgroups, run_name, limits);
}

std::optional<Refusal> refuse_without_cgroups(const CgroupSystem& cgroups, const std::string& launcher,
                                              const CgroupLimits& limits) {
  if (auto reason = cgroups.unusable_reason())
    return Refusal{Setting::kLauncher, "launcher " + launcher + " needs cgroups: " + *reason,
                   "`orchestrator doctor` shows what is usable here"};
  // Each limit alone, so that the error points at the setting a controller is missing for.
  const std::pair<Setting, CgroupLimits> each[] = {{Setting::kCpuQuota, {limits.cpu_quota_percent, {}, {}}},
                                                   {Setting::kCpuset, {{}, limits.cpuset, {}}},
                                                   {Setting::kMemory, {{}, {}, limits.memory_bytes}}};
  for (const auto& [setting, limit] : each)
    if (auto reason = cgroups.cannot_apply(limit))
      return Refusal{setting, "launcher " + launcher + ": " + *reason,
                     "run as root, or delegate the controller to the user's manager (systemd's "
                     "user@.service Delegate=), or drop the setting"};
  return std::nullopt;
}

}  // namespace orch

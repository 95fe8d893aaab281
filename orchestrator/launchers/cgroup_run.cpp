// Runs in their own cgroup (see cgroup_run.h).
#include "launchers/cgroup_run.h"

namespace orch {

CgroupRun::CgroupRun(LaunchCommand command, std::unique_ptr<RunCgroup> group)
    : LaunchedRun(std::move(command)), group_(std::move(group)) {}

std::vector<std::string> CgroupRun::join_files() const { return group_->procs_files(); }

void CgroupRun::kill_all() { group_->kill_all(); }

RunEvidence CgroupRun::collect(const ProcessOutcome&) {
  RunEvidence evidence;
  evidence.cgroup_path = group_->path();
  evidence.cgroup = group_->read();
  evidence.oom_killed = evidence.cgroup->oom_kills.value_or(0) > 0;
  return evidence;
}

CgroupLimits cgroup_limits(const CellSettings& settings) {
  return {settings.cpu_quota_percent, settings.cpuset, settings.memory_bytes};
}

std::optional<Refusal> refuse_without_cgroups(const CgroupSystem& cgroups, const std::string& launcher) {
  if (auto reason = cgroups.unusable_reason())
    return Refusal{"launcher", "launcher " + launcher + " needs cgroups: " + *reason,
                   "`orchestrator doctor` shows what is usable here"};
  return std::nullopt;
}

}  // namespace orch

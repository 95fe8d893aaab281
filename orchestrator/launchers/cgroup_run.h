// A run inside a fresh cgroup the orchestrator made for it: the child joins it before
// exec, a timeout kills every task in it, its counters are read after the run, and the
// group is removed with this object. Used by the cgroup and unshare launchers.
#pragma once

#include "launchers/launcher.h"

namespace orch {

class CgroupRun final : public LaunchedRun {
 public:
  CgroupRun(LaunchCommand command, std::unique_ptr<RunCgroup> group);
  std::vector<std::string> join_files() const override;
  void kill_all() override;
  RunEvidence collect(const ProcessOutcome& outcome) override;

 private:
  std::unique_ptr<RunCgroup> group_;
};

// The limits of `settings` as a cgroup applies them.
CgroupLimits cgroup_limits(const CellSettings& settings);

// Refuses a cell when the cgroups it needs cannot be made here.
std::optional<Refusal> refuse_without_cgroups(const CgroupSystem& cgroups, const std::string& launcher);

}  // namespace orch

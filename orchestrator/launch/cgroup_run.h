// A run inside a fresh cgroup the orchestrator made for it: the child joins it before
// exec, a timeout kills every task in it, its counters are read after the run, and the
// group is removed with this object -- every task in it killed first. Every launcher
// whose worker is a process of this host uses one (host, taskset, cgroup, unshare).
#pragma once

#include "launch/launcher.h"

namespace orch {

class CgroupRun final : public LaunchedRun {
 public:
  // Makes the run's group, with `limits`, in `cgroups`. Throws CgroupError.
  CgroupRun(LaunchCommand command, CgroupSystem& cgroups, const std::string& run_name, const CgroupLimits& limits);
  std::vector<std::string> join_files() const override;
  void kill_all() override;
  RunEvidence collect() override;

 private:
  CgroupLimits limits_;
  std::unique_ptr<RunCgroup> group_;
};

// The limits of `settings` as a cgroup applies them.
CgroupLimits cgroup_limits(const CellSettings& settings);

// A run in a fresh cgroup with `limits`. With no limits (a launcher that applies none
// through cgroups) the group only tracks the run's processes, as BenchExec does: no
// descendant outlives the run, not even one that left its process group (setsid).
// Where cgroups are unusable and there are no limits: a plain run, which the
// supervisor's own means cover (process group, parent-death signal, subreaper).
// Throws CgroupError.
std::unique_ptr<LaunchedRun> launch_tracked(CgroupSystem& cgroups, LaunchCommand command, const CgroupLimits& limits,
                                            const std::string& run_name);

// Whether `limits` limits anything.
bool has_limits(const CgroupLimits& limits);

// Refuses a cell when the cgroups it needs cannot be made here, or cannot have its
// `limits` (a controller not delegated).
std::optional<Refusal> refuse_without_cgroups(const CgroupSystem& cgroups, const std::string& launcher,
                                              const CgroupLimits& limits);

}  // namespace orch

// The `cgroup` launcher: the worker in a fresh cgroup the orchestrator creates, with the
// cell's CPU quota, cpuset and memory limit (swap off), joined before exec.
#include "launch/cgroup_run.h"

namespace orch {
namespace {

class CgroupLauncher final : public Launcher {
 public:
  explicit CgroupLauncher(CgroupSystem& cgroups) : cgroups_(cgroups) {}

  std::vector<Setting> applies() const override { return {Setting::kCpuset, Setting::kCpuQuota, Setting::kMemory}; }

  std::optional<Refusal> refuse(const CellSettings& settings, const WorkerSettings&) const override {
    return refuse_without_cgroups(cgroups_, "cgroup", cgroup_limits(settings));
  }

  bool uses_cgroups(const CellSettings&) const override { return true; }

  LaunchCommand command(const CellSettings& settings, const WorkerSettings& worker,
                        const RunArguments& run) const override {
    return {worker_argv(settings, run), settings.env, worker_credentials(worker)};
  }

  std::unique_ptr<LaunchedRun> launch(const CellSettings& settings, const WorkerSettings& worker,
                                      const RunArguments& run) const override {
    return std::make_unique<CgroupRun>(command(settings, worker, run), cgroups_, run.run_name, cgroup_limits(settings));
  }

 private:
  CgroupSystem& cgroups_;
};

}  // namespace

std::unique_ptr<Launcher> make_cgroup_launcher(CgroupSystem& cgroups) {
  return std::make_unique<CgroupLauncher>(cgroups);
}

}  // namespace orch

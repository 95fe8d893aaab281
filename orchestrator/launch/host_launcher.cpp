// The `host` launcher: the worker as a plain child process, no isolation, no limits.
// Where cgroups are usable its run is tracked in a cgroup without limits.
#include "launch/cgroup_run.h"

namespace orch {
namespace {

class HostLauncher final : public Launcher {
 public:
  explicit HostLauncher(CgroupSystem& cgroups) : cgroups_(cgroups) {}

  std::vector<Setting> applies() const override { return {}; }
  std::optional<Refusal> refuse(const CellSettings&, const WorkerSettings&) const override { return std::nullopt; }
  bool uses_cgroups(const CellSettings&) const override { return !cgroups_.unusable_reason(); }

  LaunchCommand command(const CellSettings& settings, const WorkerSettings& worker,
                        const RunArguments& run) const override {
    return {worker_argv(settings, run), settings.env, worker_credentials(worker)};
  }

  std::unique_ptr<LaunchedRun> launch(const CellSettings& settings, const WorkerSettings& worker,
                                      const RunArguments& run) const override {
    return launch_tracked(cgroups_, command(settings, worker, run), {}, run.run_name);
  }

 private:
  CgroupSystem& cgroups_;
};

}  // namespace

std::unique_ptr<Launcher> make_host_launcher(CgroupSystem& cgroups) { return std::make_unique<HostLauncher>(cgroups); }

}  // namespace orch

// The `taskset` launcher: `taskset -c LIST worker ...`, CPU affinity only (seed 000 row 4).
// Where cgroups are usable its run is tracked in a cgroup without limits: the cpuset is
// taskset's affinity, never a cgroup's.
#include <boost/process/search_path.hpp>

#include "common/cpu_list.h"
#include "launch/cgroup_run.h"

namespace orch {
namespace {

class TasksetLauncher final : public Launcher {
 public:
  explicit TasksetLauncher(CgroupSystem& cgroups)
      : cgroups_(cgroups), taskset_(boost::process::search_path("taskset").string()) {}

  std::vector<Setting> applies() const override { return {Setting::kCpuset}; }

  std::optional<Refusal> refuse(const CellSettings& settings, const WorkerSettings&) const override {
    if (taskset_.empty())
      return Refusal{Setting::kLauncher, "taskset is not installed (not found in PATH)", "apt-get install util-linux"};
    if (settings.cpuset.empty())
      return Refusal{Setting::kLauncher, "launcher taskset needs a cpuset", "add cpuset: \"0-1\" to the cell"};
    return std::nullopt;
  }

  LaunchCommand command(const CellSettings& settings, const WorkerSettings& worker,
                        const RunArguments& run) const override {
    LaunchCommand launch{{taskset_, "-c", format_cpu_list(settings.cpuset)}, settings.env, worker_credentials(worker)};
    const auto argv = worker_argv(settings, run);
    launch.argv.insert(launch.argv.end(), argv.begin(), argv.end());
    return launch;
  }

  bool uses_cgroups(const CellSettings&) const override { return !cgroups_.unusable_reason(); }

  std::unique_ptr<LaunchedRun> launch(const CellSettings& settings, const WorkerSettings& worker,
                                      const RunArguments& run) const override {
    return launch_tracked(cgroups_, command(settings, worker, run), {}, run.run_name);
  }

 private:
  CgroupSystem& cgroups_;
  std::string taskset_;
};

}  // namespace

std::unique_ptr<Launcher> make_taskset_launcher(CgroupSystem& cgroups) {
  return std::make_unique<TasksetLauncher>(cgroups);
}

}  // namespace orch

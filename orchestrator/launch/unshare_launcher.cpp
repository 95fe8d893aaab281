// The `unshare` launcher (seed 003):
//   unshare --pid --fork --mount-proc --kill-child [--ipc] [--net] [--uts]
//     [setpriv --reuid U --regid G --clear-groups --pdeathsig KILL]
//     [env -i BASE... | env --] [K=V ...] worker ...
// Namespaces isolate, they do not limit: the cell's limits go to a fresh cgroup that
// unshare joins before it execs, so the worker and everything it starts are inside.
// unshare runs as root; the cell's env reaches the worker only, through env(1) after
// the user switch, so that a matrix's LD_PRELOAD is never loaded into a root process.
// For worker.user, setpriv switches and then sets the parent-death signal (a switch
// would clear unshare's own --kill-child), and env -i starts the worker from the
// user's base environment (supervisor.h), not root's.
#include <unistd.h>

#include <boost/process/search_path.hpp>

#include "launch/cgroup_run.h"

namespace orch {
namespace {

class UnshareLauncher final : public Launcher {
 public:
  explicit UnshareLauncher(CgroupSystem& cgroups)
      : cgroups_(cgroups),
        unshare_(boost::process::search_path("unshare").string()),
        setpriv_(boost::process::search_path("setpriv").string()),
        env_(boost::process::search_path("env").string()) {}

  std::vector<Setting> applies() const override {
    return {Setting::kCpuset, Setting::kCpuQuota, Setting::kMemory, Setting::kNamespaces};
  }

  std::optional<Refusal> refuse(const CellSettings& settings, const WorkerSettings& worker) const override {
    if (unshare_.empty())
      return Refusal{Setting::kLauncher, "unshare is not installed (not found in PATH)", "apt-get install util-linux"};
    if (env_.empty())
      return Refusal{Setting::kLauncher, "env is not installed (not found in PATH)", "apt-get install coreutils"};
    if (setpriv_.empty())
      return Refusal{Setting::kLauncher, "setpriv is not installed (not found in PATH)", "apt-get install util-linux"};
    if (geteuid() != 0)
      return Refusal{Setting::kLauncher, "unshare --pid needs root here (no user namespaces are set up)",
                     "run the orchestrator as root"};
    if (worker.user || !settings.env.empty())
      if (auto refusal = refuse_program_for_env("unshare", settings)) return refusal;
    if (uses_cgroups(settings)) return refuse_without_cgroups(cgroups_, "unshare", cgroup_limits(settings));
    return std::nullopt;
  }

  LaunchCommand command(const CellSettings& settings, const WorkerSettings& worker,
                        const RunArguments& run) const override {
    LaunchCommand launch{{unshare_, "--pid", "--fork", "--mount-proc", "--kill-child"}, {}};
    auto& argv = launch.argv;
    for (const auto& ns : settings.namespaces) argv.push_back("--" + ns);
    if (worker.user)  // unshare needs root for --pid; setpriv switches after the namespaces are made
      argv.insert(argv.end(), {setpriv_.empty() ? "setpriv" : setpriv_, "--reuid", std::to_string(worker.user->uid),
                               "--regid", std::to_string(worker.user->gid), "--clear-groups", "--pdeathsig", "KILL"});
    const auto environment = worker_environment_argv(env_.empty() ? "env" : env_, worker, settings);
    argv.insert(argv.end(), environment.begin(), environment.end());
    const auto worker_command = worker_argv(settings, run);
    argv.insert(argv.end(), worker_command.begin(), worker_command.end());
    return launch;
  }

  std::unique_ptr<LaunchedRun> launch(const CellSettings& settings, const WorkerSettings& worker,
                                      const RunArguments& run) const override {
    return launch_tracked(cgroups_, command(settings, worker, run), cgroup_limits(settings), run.run_name);
  }

  // With cgroups usable, every run gets one (its accounting is evidence); without
  // them, only cells that ask for limits need one.
  bool uses_cgroups(const CellSettings& settings) const override {
    return !cgroups_.unusable_reason() || has_limits(cgroup_limits(settings));
  }

 private:
  CgroupSystem& cgroups_;
  std::string unshare_;
  std::string setpriv_;
  std::string env_;
};

}  // namespace

std::unique_ptr<Launcher> make_unshare_launcher(CgroupSystem& cgroups) {
  return std::make_unique<UnshareLauncher>(cgroups);
}

}  // namespace orch

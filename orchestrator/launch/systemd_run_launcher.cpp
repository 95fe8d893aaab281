// The `systemd-run` launcher: the worker in a transient scope whose limits systemd
// applies (seed 000 rows 1-3):
//   systemd-run --scope --quiet [--user] --unit=NAME -p CPUQuota=200% -p AllowedCPUs=0-1
//               -p MemoryMax=BYTES -p MemorySwapMax=0 --setenv=K=V ... worker ...
// With worker.user, the env goes as `env -i BASE... K=V...` before the worker instead
// of --setenv (launcher.h: worker_environment_argv). It needs systemd as PID 1;
// elsewhere cells are refused before anything runs. The
// scopes of an orchestrator that died (named as runs are, session.h) are stopped at
// the next start.
#include <unistd.h>

#include <algorithm>
#include <boost/process/search_path.hpp>
#include <chrono>
#include <fstream>
#include <thread>
#include <tuple>

#include "common/cpu_list.h"
#include "common/session.h"
#include "common/text.h"
#include "launch/cgroup_run.h"
#include "launch/cgroups/cgroup_files.h"
#include "launch/launcher.h"
#include "launch/systemd_units.h"
#include "process/process_identity.h"

namespace orch {
namespace {

// The folder of the unified (v2) hierarchy where it is the only one (a systemd host's
// default), where a scope's limits and counters are; "" elsewhere.
// Read once: the mounts do not change while the orchestrator runs.
const std::string& unified_hierarchy() {
  static const std::string hierarchy = [] {
    const auto mounts = cgroup_files::cgroup_mounts(cgroup_files::read("/proc/self/mounts").value_or(""));
    return mounts.v1.empty() && !mounts.v2.empty() ? mounts.v2.front() : std::string();
  }();
  return hierarchy;
}

// A run in its transient scope: a timeout or a stop reaches every process of the
// scope; once it is over, the scope is stopped, systemd's verdict on the unit says
// whether the OOM killer ended it, and a failed scope is reset so that nothing of the
// run stays listed.
//
// Read from outside: systemd removes a scope's cgroup as soon as its last process
// exits, before the orchestrator could read its counters. So, once systemd-run has
// made the scope, an idle process of ours joins it and holds it until collect() has
// read the limits in effect and the counters (cpu.stat, memory.peak, memory.events).
// Where it cannot join (a user's scope of a manager the orchestrator is not under), the
// run has no outside readings; the worker's own still count.
class ScopeRun final : public LaunchedRun {
 public:
  ScopeRun(LaunchCommand command, std::string unit, CgroupLimits limits)
      : LaunchedRun(std::move(command)),
        unit_(std::move(unit)),
        limits_(std::move(limits)),
        hierarchy_(unified_hierarchy()) {}

  void started(pid_t child) override {
    if (hierarchy_.empty()) return;
    // systemd-run moves itself into the scope, then execs the worker: wait for the move.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    const std::string suffix = "/" + unit_;  // not the unit itself: a path ends in it
    while (std::chrono::steady_clock::now() < give_up) {
      const auto stat = read_process_stat(child);
      const auto cgroup = cgroup_files::read("/proc/" + std::to_string(child) + "/cgroup");
      if (!stat || stat->zombie || !cgroup) return;  // over already (systemd-run failed, say)
      const auto path = cgroup_files::own_path(*cgroup, "").value_or("");
      if (ends_with(path, suffix)) {
        auto holder = std::make_unique<IdleProcess>();
        if (holder->pid() <= 0) return;
        try {
          cgroup_files::write(hierarchy_ + path + "/cgroup.procs", std::to_string(holder->pid()));
        } catch (const CgroupError&) {
          return;
        }
        scope_path_ = path;
        holder_ = std::move(holder);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  void kill_all() override { capture_output(systemctl_argv({"kill", "--signal=SIGKILL", unit_})); }

  RunEvidence collect() override {
    RunEvidence evidence;
    // Read only while our holder keeps the scope: a scope systemd stopped on its own
    // (after an OOM kill) took the holder with it.
    if (holder_ && cgroup_files::exists(hierarchy_ + scope_path_ + "/cgroup.procs")) {
      evidence.cgroup_path = scope_path_;
      evidence.cgroup = read_cgroup_v2(hierarchy_ + scope_path_);
      evidence.cgroup_limits = limits_;
    }
    holder_.reset();
    // systemd notices that a scope's processes are gone a moment after they are: stop
    // waits for that, so the verdict is final and no scope outlives its run (after a
    // SIGTERM the orchestrator exits right after this).
    capture_output(systemctl_argv({"stop", unit_}));
    const auto result = capture_output(systemctl_argv({"show", "--property=Result", "--value", unit_}));
    evidence.oom_killed = (result.ok && result.text.rfind("oom-kill", 0) == 0) ||
                          (evidence.cgroup && evidence.cgroup->oom_kills.value_or(0) > 0);
    capture_output(systemctl_argv({"reset-failed", unit_}));
    return evidence;
  }

 private:
  std::string unit_;
  CgroupLimits limits_;
  std::string hierarchy_;
  std::string scope_path_;  // below hierarchy_, once the holder is in it
  std::unique_ptr<IdleProcess> holder_;
};

// Not root, systemd-run --user asks the user's own manager, which must run (a login, or
// lingering), and applies only the controllers its user@.service was given: systemd
// would silently leave out a limit whose controller it lacks (cpuset, often).
std::optional<Refusal> refuse_for_user_manager(const CellSettings& settings) {
  const std::string& hierarchy = unified_hierarchy();
  if (hierarchy.empty()) return std::nullopt;
  const std::string uid = std::to_string(geteuid());
  const std::string manager = "user@" + uid + ".service";
  const std::string dir = cgroup_files::user_manager_dir(hierarchy);
  if (!cgroup_files::exists(dir + "/cgroup.controllers"))
    return Refusal{
        Setting::kLauncher,
        "launcher systemd-run, not as root, needs this user's systemd manager (" + manager + "), and it is not running",
        "loginctl enable-linger $USER (a manager that runs without a login), or run as root"};
  if (!has_user_bus())
    return Refusal{Setting::kLauncher,
                   "launcher systemd-run, not as root, talks to this user's manager over the user's D-Bus, and "
                   "there is none (no " +
                       user_runtime_dir() + "/bus)",
                   "apt-get install dbus-user-session, then log in again (or restart user@" + uid + ".service)"};
  const std::vector<std::string> given = cgroup_files::controllers(dir);
  const std::tuple<Setting, const char*, bool> needs[] = {
      {Setting::kCpuQuota, "cpu", settings.cpu_quota_percent.has_value()},
      {Setting::kCpuset, "cpuset", !settings.cpuset.empty()},
      {Setting::kMemory, "memory", settings.memory_bytes.has_value()}};
  for (const auto& [setting, controller, asked] : needs)
    if (asked && std::find(given.begin(), given.end(), controller) == given.end())
      return Refusal{setting,
                     "this user's systemd manager (" + manager + ") was not given the cgroup controller '" +
                         controller + "', so systemd-run --user cannot apply " + setting_info(setting).key +
                         " (systemd would leave it out without a word)",
                     "run as root, or delegate it: `systemctl edit user@.service` with [Service] Delegate=cpu cpuset "
                     "io memory pids"};
  return std::nullopt;
}

class SystemdRunLauncher final : public Launcher {
 public:
  SystemdRunLauncher()
      : systemd_run_(boost::process::search_path("systemd-run").string()),
        env_(boost::process::search_path("env").string()) {}

  std::vector<Setting> applies() const override { return {Setting::kCpuset, Setting::kCpuQuota, Setting::kMemory}; }

  std::optional<Refusal> refuse(const CellSettings& settings, const WorkerSettings& worker) const override {
    if (worker.user)
      if (auto refusal = refuse_program_for_env("systemd-run", settings)) return refusal;
    if (!booted_with_systemd()) {
      std::string init;
      std::getline(std::ifstream("/proc/1/comm"), init);
      return Refusal{Setting::kLauncher,
                     "launcher systemd-run needs systemd as init, but this system was not booted with "
                     "systemd (PID 1 is '" +
                         init + "')",
                     "use launcher: cgroup for the same limits, or a host whose PID 1 is systemd"};
    }
    if (systemd_run_.empty())
      return Refusal{Setting::kLauncher, "systemd-run is not installed (not found in PATH)", "apt-get install systemd"};
    if (geteuid() != 0) return refuse_for_user_manager(settings);
    return std::nullopt;
  }

  LaunchCommand command(const CellSettings& settings, const WorkerSettings& worker,
                        const RunArguments& run) const override {
    LaunchCommand launch{{systemd_run_.empty() ? "systemd-run" : systemd_run_, "--scope", "--quiet"}, {}};
    auto& argv = launch.argv;
    if (geteuid() != 0) argv.push_back("--user");
    argv.push_back("--unit=" + run.run_name);
    if (worker.user)
      argv.insert(argv.end(),
                  {"--uid=" + std::to_string(worker.user->uid), "--gid=" + std::to_string(worker.user->gid)});
    if (settings.cpu_quota_percent)
      argv.insert(argv.end(), {"-p", "CPUQuota=" + number_text(*settings.cpu_quota_percent) + "%"});
    if (!settings.cpuset.empty()) argv.insert(argv.end(), {"-p", "AllowedCPUs=" + format_cpu_list(settings.cpuset)});
    if (settings.memory_bytes)
      argv.insert(argv.end(), {"-p", "MemoryMax=" + std::to_string(*settings.memory_bytes), "-p", "MemorySwapMax=0"});
    // systemd-run --scope execs the worker itself, in its own (root's) environment: a
    // worker of worker.user starts from env -i and that user's base environment.
    if (worker.user) {
      const auto environment = worker_environment_argv(env_.empty() ? "env" : env_, worker, settings);
      argv.insert(argv.end(), environment.begin(), environment.end());
    } else {
      for (const auto& [name, value] : settings.env) argv.push_back("--setenv=" + name + "=" + value);
    }
    const auto worker_command = worker_argv(settings, run);
    argv.insert(argv.end(), worker_command.begin(), worker_command.end());
    return launch;
  }

  std::unique_ptr<LaunchedRun> launch(const CellSettings& settings, const WorkerSettings& worker,
                                      const RunArguments& run) const override {
    return std::make_unique<ScopeRun>(command(settings, worker, run), run.run_name + ".scope", cgroup_limits(settings));
  }

  int remove_leftovers() const override { return stop_dead_orchestrators_scopes(kRunPrefix); }

 private:
  std::string systemd_run_;
  std::string env_;
};

}  // namespace

std::unique_ptr<Launcher> make_systemd_run_launcher() { return std::make_unique<SystemdRunLauncher>(); }

}  // namespace orch

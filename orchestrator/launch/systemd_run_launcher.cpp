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

#include <boost/process/search_path.hpp>
#include <fstream>
#include <sstream>

#include "common/cpu_list.h"
#include "common/session.h"
#include "common/text.h"
#include "launch/launcher.h"

namespace orch {
namespace {

// `systemctl [--user]` with `args`.
std::vector<std::string> systemctl_argv(const std::string& systemctl, std::vector<std::string> args) {
  std::vector<std::string> argv = {systemctl.empty() ? "systemctl" : systemctl};
  if (geteuid() != 0) argv.push_back("--user");
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// A run in its transient scope: a timeout or a stop reaches every process of the
// scope; once it is over, the scope is stopped, systemd's verdict on the unit says
// whether the OOM killer ended it, and a failed scope is reset so that nothing of the
// run stays listed.
class ScopeRun final : public LaunchedRun {
 public:
  ScopeRun(LaunchCommand command, std::string systemctl, std::string unit)
      : LaunchedRun(std::move(command)), systemctl_(std::move(systemctl)), unit_(std::move(unit)) {}

  void kill_all() override { capture_output(systemctl_argv(systemctl_, {"kill", "--signal=SIGKILL", unit_})); }

  RunEvidence collect() override {
    RunEvidence evidence;
    // systemd notices that a scope's processes are gone a moment after they are: stop
    // waits for that, so the verdict is final and no scope outlives its run (after a
    // SIGTERM the orchestrator exits right after this).
    capture_output(systemctl_argv(systemctl_, {"stop", unit_}));
    const auto result = capture_output(systemctl_argv(systemctl_, {"show", "--property=Result", "--value", unit_}));
    evidence.oom_killed = result.ok && result.text.rfind("oom-kill", 0) == 0;
    capture_output(systemctl_argv(systemctl_, {"reset-failed", unit_}));
    return evidence;
  }

 private:
  std::string systemctl_;
  std::string unit_;
};

class SystemdRunLauncher final : public Launcher {
 public:
  SystemdRunLauncher()
      : systemd_run_(boost::process::search_path("systemd-run").string()),
        systemctl_(boost::process::search_path("systemctl").string()),
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
    return std::make_unique<ScopeRun>(command(settings, worker, run), systemctl_, run.run_name + ".scope");
  }

  int remove_leftovers() const override {
    if (!booted_with_systemd() || systemctl_.empty()) return 0;
    std::vector<std::string> systemctl = {systemctl_};
    if (geteuid() != 0) systemctl.push_back("--user");
    auto list = systemctl;
    list.insert(list.end(), {"list-units", "--type=scope", "--all", "--plain", "--no-legend", "--no-pager",
                             std::string(kRunPrefix) + "*"});
    std::istringstream lines(capture_output(list).text);
    int removed = 0;
    for (std::string line; std::getline(lines, line);) {
      const std::string unit = line.substr(0, line.find(' '));
      const std::string name = unit.substr(0, unit.rfind(".scope"));
      if (unit.size() <= 6 || !left_by_dead_orchestrator(name)) continue;
      auto kill = systemctl;
      kill.insert(kill.end(), {"kill", "--signal=SIGKILL", unit});
      capture_output(kill);
      auto stop = systemctl;
      stop.insert(stop.end(), {"stop", unit});
      removed += capture_output(stop).ok ? 1 : 0;
      auto reset = systemctl;
      reset.insert(reset.end(), {"reset-failed", unit});
      capture_output(reset);
    }
    return removed;
  }

 private:
  static bool booted_with_systemd() { return access("/run/systemd/system", F_OK) == 0; }

  std::string systemd_run_;
  std::string systemctl_;
  std::string env_;
};

}  // namespace

std::unique_ptr<Launcher> make_systemd_run_launcher() { return std::make_unique<SystemdRunLauncher>(); }

}  // namespace orch

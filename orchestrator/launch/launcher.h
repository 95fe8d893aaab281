// How a cell's worker is started: one implementation per isolation method, each in
// its own file, all created once by Launchers. A launcher says which settings it can
// apply, refuses what it cannot honour on this machine before anything runs, and
// prepares each run (a cgroup, a container name) as a LaunchedRun that takes down
// what it made when it is destroyed.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "launch/cgroups/cgroup.h"
#include "launch/worker_command.h"
#include "matrix/experiment.h"
#include "matrix/settings.h"
#include "process/supervisor.h"

namespace orch {

// What to execute: argv[0] is an absolute path; env is added to the base
// environment of the process started (supervisor.h: base_environment).
struct LaunchCommand {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  // The user (uid, gid) the spawned process switches to before exec; launchers that
  // must start as root (unshare, systemd-run, docker) pass the user in argv instead.
  std::optional<std::pair<uint32_t, uint32_t>> run_as;
};

// worker.user as (uid, gid), for LaunchCommand::run_as.
inline std::optional<std::pair<uint32_t, uint32_t>> worker_credentials(const WorkerSettings& worker) {
  if (!worker.user) return std::nullopt;
  return std::make_pair(worker.user->uid, worker.user->gid);
}

// Why a launcher cannot honour a cell here, and which setting is at fault.
struct Refusal {
  Setting setting;
  std::string reason;
  std::string hint;
};

// What the launcher saw from outside once the run was over.
struct RunEvidence {
  std::string cgroup_path;  // a cgroup the orchestrator made for the run
  std::optional<CgroupReadings> cgroup;
  CgroupLimits cgroup_limits;  // what that cgroup was made to enforce
  bool oom_killed = false;     // the kernel's OOM killer ended the run
  // False when the process the supervisor waited for is not the worker (docker's
  // client): its rusage then comes from the worker's own report.
  bool child_is_worker = true;
};

class LaunchedRun {
 public:
  explicit LaunchedRun(LaunchCommand command) : command_(std::move(command)) {}
  virtual ~LaunchedRun() = default;
  const LaunchCommand& command() const { return command_; }
  // cgroup.procs files the child writes its pid to before it execs.
  virtual std::vector<std::string> join_files() const { return {}; }
  // As soon as the child exists (it may not have exec'd the worker yet).
  virtual void started(pid_t) {}
  // On timeout or interrupt, beyond the worker's process group (cgroup, container).
  virtual void kill_all() {}
  // After the child was reaped.
  virtual RunEvidence collect() { return {}; }

 private:
  LaunchCommand command_;
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  // The settings it applies of those a launcher must (settings.h: launcher_applied).
  virtual std::vector<Setting> applies() const = 0;
  // Why it cannot run `settings` of a worker run as `worker` says on this machine;
  // nullopt when it can.
  virtual std::optional<Refusal> refuse(const CellSettings& settings, const WorkerSettings& worker) const = 0;
  // The command; `plan` shows it with RunArguments' placeholders.
  virtual LaunchCommand command(const CellSettings& settings, const WorkerSettings& worker,
                                const RunArguments& run) const = 0;
  // Prepares one run. Throws CgroupError when its cgroup cannot be made.
  virtual std::unique_ptr<LaunchedRun> launch(const CellSettings& settings, const WorkerSettings& worker,
                                              const RunArguments& run) const {
    return std::make_unique<LaunchedRun>(command(settings, worker, run));
  }
  // Removes what runs of an orchestrator that died left behind (containers, scopes),
  // whether or not this experiment uses the launcher; returns how many.
  virtual int remove_leftovers() const { return 0; }
  // Whether runs of `settings` get a cgroup the orchestrator makes.
  virtual bool uses_cgroups(const CellSettings&) const { return false; }
  // Whether the worker it starts can reach the host's GPUs.
  virtual bool reaches_gpus() const { return true; }
  // Whether it runs the cell's program (docker runs its image's bundled worker).
  virtual bool runs_host_programs() const { return true; }
};

std::unique_ptr<Launcher> make_host_launcher(CgroupSystem& cgroups);
std::unique_ptr<Launcher> make_taskset_launcher(CgroupSystem& cgroups);
std::unique_ptr<Launcher> make_cgroup_launcher(CgroupSystem& cgroups);
std::unique_ptr<Launcher> make_unshare_launcher(CgroupSystem& cgroups);
std::unique_ptr<Launcher> make_systemd_run_launcher();
std::unique_ptr<Launcher> make_docker_launcher();

// Every launcher, created once, with the cgroup backend they share.
class Launchers {
 public:
  explicit Launchers(std::unique_ptr<CgroupSystem> cgroups = detect_cgroups());
  ~Launchers();
  const Launcher& get(LauncherKind kind) const;
  const CgroupSystem& cgroups() const { return *cgroups_; }
  // The whole command for one run of a cell: its launcher wrapped around the worker.
  LaunchCommand command(const Experiment& experiment, const Cell& cell, const RunArguments& run = {}) const;
  // Every cell's command, quoted for a shell, as `plan` shows and the DB stores them.
  std::vector<std::string> quoted_commands(const Experiment& experiment) const;
  // Rejects the first cell its launcher cannot honour, naming the setting's file:line:column.
  void validate(const Experiment& experiment) const;
  // Before the first run: removes what orchestrators that died left behind (cgroup
  // sessions with their tasks, containers, scopes) and returns how many things went;
  // then makes this orchestrator's cgroup session if a run will need it,
  // so that the first run's process_start does not pay for it. Throws CgroupError.
  int prepare(const Experiment& experiment) const;

 private:
  std::unique_ptr<CgroupSystem> cgroups_;  // declared first, so destroyed after the launchers
  std::map<LauncherKind, std::unique_ptr<Launcher>> launchers_;
};

// For a launcher that runs as root and then execs the worker as worker.user (unshare,
// systemd-run): `env -i` with that user's base environment (supervisor.h) and the
// cell's variables, to put before the worker's argv, so that neither root's
// environment nor a matrix's loader variable reaches a root process or the worker's
// user. Without worker.user: `env --` and the cell's variables (none: nothing).
std::vector<std::string> worker_environment_argv(const std::string& env_program, const WorkerSettings& worker,
                                                 const CellSettings& settings);
// Refuses a cell whose worker program env(1) would take for a variable ('=' in its
// path), for launchers that start it through worker_environment_argv.
std::optional<Refusal> refuse_program_for_env(const std::string& launcher, const CellSettings& settings);

// The settings of `settings` that a launcher must apply and that differ from a
// cell's defaults.
std::vector<Setting> settings_given(const CellSettings& settings);

}  // namespace orch

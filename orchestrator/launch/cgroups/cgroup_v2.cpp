// cgroup v2: one unified hierarchy. Domain controllers may only be enabled for
// children of a group that holds no processes, so the orchestrator first moves
// itself into <own>/orchestrator-<pid>/supervisor, then enables cpu, cpuset and
// memory for its own group and the session folder, where each run gets a sibling.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <sstream>

#include "common/cpu_list.h"
#include "common/session.h"
#include "common/text.h"
#include "launch/cgroups/cgroup.h"
#include "launch/cgroups/cgroup_files.h"
#include "launch/systemd_units.h"

namespace orch {
namespace {

namespace files = cgroup_files;

constexpr int64_t kPeriodUs = 100000;
const std::vector<std::string> kControllers = {"cpu", "cpuset", "memory"};

class RunCgroupV2 final : public RunCgroup {
 public:
  RunCgroupV2(std::string dir, std::string path) : dir_(std::move(dir)), path_(std::move(path)) {}

  ~RunCgroupV2() override {
    kill_all();
    files::remove_dir(dir_);
  }

  std::string path() const override { return path_; }
  std::vector<std::string> procs_files() const override { return {dir_ + "/cgroup.procs"}; }

  CgroupReadings read() const override { return read_cgroup_v2(dir_); }

  void kill_all() override {
    if (files::exists(dir_ + "/cgroup.kill")) {
      try {
        files::write(dir_ + "/cgroup.kill", "1");
      } catch (const CgroupError&) {
      }
    }
    files::kill_tasks(dir_ + "/cgroup.procs");
  }

 private:
  std::string dir_;
  std::string path_;
};

// The controllers among cpu, cpuset and memory that `dir`'s children can have.
std::vector<std::string> offered_controllers(const std::string& dir) {
  const std::vector<std::string> have = files::controllers(dir);
  std::vector<std::string> offered;
  for (const auto& controller : kControllers)
    if (std::find(have.begin(), have.end(), controller) != have.end()) offered.push_back(controller);
  return offered;
}

// "+cpu +memory" or "-cpu -memory".
std::string controller_switch(const std::vector<std::string>& controllers, char sign) {
  std::string text;
  for (const auto& controller : controllers) text += (text.empty() ? "" : " ") + std::string(1, sign) + controller;
  return text;
}

class CgroupV2 final : public CgroupSystem {
 public:
  CgroupV2(const std::string& mount_point, const CgroupHost& host)
      : mount_point_(mount_point), pid_(host.owner.pid), session_(session_name(host.owner)) {
    auto own = files::own_path(host.self_cgroup_text, "");
    set_own(own && *own != "/" ? *own : "");
    // Where this process's cgroup is not its own to divide, or a delegated scope would
    // offer more controllers, systemd makes it one.
    auto problem = own_group_problem();
    if (host.systemd_scopes) {
      // What a delegated scope of this user's manager gets: everything for root, and
      // for a user what their user@.service was given.
      auto offered = offered_controllers(geteuid() == 0 ? mount_point_ : files::user_manager_dir(mount_point_));
      if (problem || offered.size() > controllers_.size()) {
        delegated_ = true;
        controllers_ = std::move(offered);
        problem.reset();
      }
    }
    reason_ = problem;
    if (!reason_ && std::find(controllers_.begin(), controllers_.end(), "memory") == controllers_.end())
      reason_ = "cgroup v2 controller 'memory' is not available in " + own_dir_ + " " + delegation_hint();
  }

  ~CgroupV2() override {
    if (!session_ready_) return;
    // The reverse of prepare_session: the kernel lets a process back into its old group
    // only once no controller is enabled for that group's children.
    for (const auto& dir : {session_dir(), own_dir_}) {
      try {
        files::write(dir + "/cgroup.subtree_control", controller_switch(controllers_, '-'));
      } catch (const CgroupError&) {
      }
    }
    try {
      files::write(own_dir_ + "/cgroup.procs", std::to_string(pid_));
    } catch (const CgroupError&) {
    }
    files::remove_dir(session_dir() + "/supervisor");
    files::remove_dir(session_dir());
  }

  int version() const override { return reason_ ? 0 : 2; }

  std::string description() const override {
    if (reason_) return "unusable: " + *reason_;
    std::string text = "cgroup v2 (" + join(controllers_, " ") + "), run groups nested under ";
    return text + (delegated_ ? "a delegated scope systemd makes for each orchestrator (its own cgroup " + own_dir_ +
                                    " is not its to divide)"
                              : "this process's own cgroup");
  }

  std::optional<std::string> cannot_apply(const CgroupLimits& limits) const override {
    auto missing = [&](const std::string& controller) {
      return std::find(controllers_.begin(), controllers_.end(), controller) == controllers_.end();
    };
    const std::string where = delegated_ ? "a delegated scope of this user's systemd" : own_dir_;
    if (limits.cpu_quota_percent && missing("cpu"))
      return "cgroup v2 controller 'cpu' is not available in " + where + ", so no CPU quota can be set";
    if (!limits.cpuset.empty() && missing("cpuset"))
      return "cgroup v2 controller 'cpuset' is not available in " + where + ", so no cpuset can be set";
    return std::nullopt;
  }

  int remove_dead_sessions() override {
    if (reason_) return 0;
    // A dead orchestrator's delegated scope outlives it only while some process holds it.
    return remove_dead_cgroup_sessions(own_dir_) + (delegated_ ? stop_dead_orchestrators_scopes(kSessionPrefix) : 0);
  }
  std::optional<std::string> unusable_reason() const override { return reason_; }

  // Moves this process into session/supervisor (v2's no-internal-process rule) and
  // enables the controllers for the run groups beside it; first into a delegated scope
  // of its own where its cgroup is not its to divide.
  void prepare_session() override {
    if (reason_) throw CgroupError(*reason_);
    if (session_ready_) return;
    if (delegated_ && !moved_) {
      set_own(move_into_delegated_scope(session_ + ".scope"));
      moved_ = true;
      controllers_ = offered_controllers(own_dir_);
    }
    const std::string enable = controller_switch(controllers_, '+');
    files::make_dir(session_dir());
    files::make_dir(session_dir() + "/supervisor");
    session_ready_ = true;  // from here on the destructor cleans up
    files::write(session_dir() + "/supervisor/cgroup.procs", std::to_string(pid_));
    files::write(own_dir_ + "/cgroup.subtree_control", enable);
    files::write(session_dir() + "/cgroup.subtree_control", enable);
  }

  std::unique_ptr<RunCgroup> create(const std::string& leaf, const CgroupLimits& limits) override {
    if (auto problem = cannot_apply(limits)) throw CgroupError(*problem);
    prepare_session();
    const std::string dir = session_dir() + "/" + leaf;
    files::make_dir(dir);
    auto group = std::make_unique<RunCgroupV2>(dir, own_path_ + "/" + session_ + "/" + leaf);
    if (limits.cpu_quota_percent)
      files::write(dir + "/cpu.max", std::to_string(std::llround(*limits.cpu_quota_percent * kPeriodUs / 100.0)) + " " +
                                         std::to_string(kPeriodUs));
    if (!limits.cpuset.empty()) files::write(dir + "/cpuset.cpus", format_cpu_list(limits.cpuset));
    if (limits.memory_bytes) {
      files::write(dir + "/memory.max", std::to_string(*limits.memory_bytes));
      if (files::exists(dir + "/memory.swap.max")) files::write(dir + "/memory.swap.max", "0");
    }
    return group;
  }

 private:
  std::string session_dir() const { return own_dir_ + "/" + session_; }

  void set_own(const std::string& path) {
    own_path_ = path;
    own_dir_ = mount_point_ + own_path_;
    controllers_ = offered_controllers(own_dir_);
  }

  static std::string delegation_hint() {
    return geteuid() == 0 ? "(start the orchestrator in a delegated cgroup: systemd-run --scope -p Delegate=yes "
                            "orchestrator ...)"
                          : "(start the orchestrator in a delegated cgroup: systemd-run --user --scope -p "
                            "Delegate=yes orchestrator ...)";
  }

  // Why this process's own cgroup cannot hold its run groups; nullopt when it can.
  std::optional<std::string> own_group_problem() const {
    // Controllers can only be enabled below a group whose processes all move out: ours
    // will, anyone else's would stop us.
    std::istringstream procs(files::read(own_dir_ + "/cgroup.procs").value_or(""));
    for (int other = 0; !own_path_.empty() && procs >> other;)
      if (other != pid_)
        return "the orchestrator's cgroup " + own_dir_ + " also holds process " + std::to_string(other) + " " +
               delegation_hint();
    if (access(own_dir_.c_str(), W_OK) != 0) return "no write access to " + own_dir_ + " " + delegation_hint();
    return std::nullopt;
  }

  std::string mount_point_;
  int pid_;
  std::string session_;
  std::string own_path_;  // "" at the root
  std::string own_dir_;
  std::vector<std::string> controllers_;  // of cpu, cpuset, memory: those run groups can have
  bool delegated_ = false;                // runs need a scope of their own from systemd
  bool moved_ = false;
  bool session_ready_ = false;
  std::optional<std::string> reason_;
};

}  // namespace

CgroupReadings read_cgroup_v2(const std::string& dir) {
  CgroupReadings r;
  std::istringstream cpu_max(files::read(dir + "/cpu.max").value_or("max"));
  std::string quota;
  int64_t period = kPeriodUs;
  cpu_max >> quota >> period;
  if (quota != "max" && !quota.empty() && period > 0) r.cpu_quota_percent = 100.0 * std::stoll(quota) / period;
  r.cpus = files::read(dir + "/cpuset.cpus.effective").value_or("");
  auto memory_max = files::read(dir + "/memory.max");
  if (memory_max && *memory_max != "max" && !memory_max->empty()) r.memory_limit_bytes = std::stoll(*memory_max);
  const std::string stat = dir + "/cpu.stat";
  r.nr_periods = files::read_key(stat, "nr_periods");
  r.nr_throttled = files::read_key(stat, "nr_throttled");
  if (auto us = files::read_key(stat, "throttled_usec")) r.throttled_ms = *us / 1e3;
  if (auto us = files::read_key(stat, "usage_usec")) r.cpu_usage_ms = *us / 1e3;
  r.memory_peak_bytes = files::read_int(dir + "/memory.peak");  // kernel >= 5.19
  r.oom_kills = files::read_key(dir + "/memory.events", "oom_kill");
  return r;
}

std::unique_ptr<CgroupSystem> make_cgroup_v2(const std::string& mount_point, const CgroupHost& host) {
  return std::make_unique<CgroupV2>(mount_point, host);
}

}  // namespace orch

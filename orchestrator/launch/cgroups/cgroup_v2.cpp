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
#include "launch/cgroups/cgroup.h"
#include "launch/cgroups/cgroup_files.h"

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

  CgroupReadings read() const override {
    CgroupReadings r;
    std::istringstream cpu_max(files::read(dir_ + "/cpu.max").value_or("max"));
    std::string quota;
    int64_t period = kPeriodUs;
    cpu_max >> quota >> period;
    if (quota != "max" && !quota.empty() && period > 0) r.cpu_quota_percent = 100.0 * std::stoll(quota) / period;
    r.cpus = files::read(dir_ + "/cpuset.cpus.effective").value_or("");
    auto memory_max = files::read(dir_ + "/memory.max");
    if (memory_max && *memory_max != "max" && !memory_max->empty()) r.memory_limit_bytes = std::stoll(*memory_max);
    const std::string stat = dir_ + "/cpu.stat";
    r.nr_periods = files::read_key(stat, "nr_periods");
    r.nr_throttled = files::read_key(stat, "nr_throttled");
    if (auto us = files::read_key(stat, "throttled_usec")) r.throttled_ms = *us / 1e3;
    if (auto us = files::read_key(stat, "usage_usec")) r.cpu_usage_ms = *us / 1e3;
    r.memory_peak_bytes = files::read_int(dir_ + "/memory.peak");  // kernel >= 5.19
    r.oom_kills = files::read_key(dir_ + "/memory.events", "oom_kill");
    return r;
  }

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

class CgroupV2 final : public CgroupSystem {
 public:
  CgroupV2(const std::string& mount_point, const CgroupHost& host) : pid_(host.owner.pid) {
    auto own = files::own_path(host.self_cgroup_text, "");
    own_path_ = own && *own != "/" ? *own : "";
    own_dir_ = mount_point + own_path_;
    session_ = session_name(host.owner);
    std::istringstream available(files::read(own_dir_ + "/cgroup.controllers").value_or(""));
    std::vector<std::string> have{std::istream_iterator<std::string>(available), {}};
    for (const auto& controller : kControllers)
      if (!reason_ && std::find(have.begin(), have.end(), controller) == have.end())
        reason_ = "cgroup v2 controller '" + controller + "' is not available in " + own_dir_ +
                  " (start the orchestrator in a delegated cgroup: systemd-run --user --scope -p Delegate=yes "
                  "orchestrator ...)";
    // Controllers can only be enabled below a group whose processes all move out: ours
    // will, anyone else's would stop us.
    std::istringstream procs(files::read(own_dir_ + "/cgroup.procs").value_or(""));
    for (int other = 0; !reason_ && !own_path_.empty() && procs >> other;)
      if (other != pid_)
        reason_ = "the orchestrator's cgroup " + own_dir_ + " also holds process " + std::to_string(other) +
                  " (start the orchestrator in a cgroup of its own: systemd-run --user --scope -p Delegate=yes "
                  "orchestrator ...)";
    if (!reason_ && access(own_dir_.c_str(), W_OK) != 0)
      reason_ = "no write access to " + own_dir_ +
                " (run as root, or in a delegated cgroup: systemd-run --user --scope -p Delegate=yes orchestrator ...)";
  }

  ~CgroupV2() override {
    if (!session_ready_) return;
    // The reverse of prepare_session: the kernel lets a process back into its old group
    // only once no controller is enabled for that group's children.
    for (const auto& dir : {session_dir(), own_dir_}) {
      try {
        files::write(dir + "/cgroup.subtree_control", "-cpu -cpuset -memory");
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
  int remove_dead_sessions() override { return reason_ ? 0 : remove_dead_cgroup_sessions(own_dir_); }
  std::optional<std::string> unusable_reason() const override { return reason_; }

  // Moves this process into session/supervisor (v2's no-internal-process rule) and
  // enables the controllers for the run groups beside it.
  void prepare_session() override {
    if (reason_) throw CgroupError(*reason_);
    if (session_ready_) return;
    const std::string enable = "+cpu +cpuset +memory";
    files::make_dir(session_dir());
    files::make_dir(session_dir() + "/supervisor");
    session_ready_ = true;  // from here on the destructor cleans up
    files::write(session_dir() + "/supervisor/cgroup.procs", std::to_string(pid_));
    files::write(own_dir_ + "/cgroup.subtree_control", enable);
    files::write(session_dir() + "/cgroup.subtree_control", enable);
  }

  std::unique_ptr<RunCgroup> create(const std::string& leaf, const CgroupLimits& limits) override {
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

  int pid_;
  std::string own_path_;  // "" at the root
  std::string own_dir_;
  std::string session_;
  bool session_ready_ = false;
  std::optional<std::string> reason_;
};

}  // namespace

std::unique_ptr<CgroupSystem> make_cgroup_v2(const std::string& mount_point, const CgroupHost& host) {
  return std::make_unique<CgroupV2>(mount_point, host);
}

}  // namespace orch

// cgroup v1: one folder per controller hierarchy (cpu, cpuacct, cpuset, memory).
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "common/cpu_list.h"
#include "common/session.h"
#include "launch/cgroups/cgroup.h"
#include "launch/cgroups/cgroup_files.h"

namespace orch {
namespace {

namespace files = cgroup_files;

const std::vector<std::string> kControllers = {"cpu", "cpuacct", "cpuset", "memory"};
constexpr int64_t kPeriodUs = 100000;
// The kernel's "unlimited" for memory.limit_in_bytes is a page-rounded LONG_MAX.
constexpr int64_t kUnlimitedAbove = int64_t(1) << 60;

class RunCgroupV1 final : public RunCgroup {
 public:
  RunCgroupV1(std::map<std::string, std::string> dirs, std::string path)
      : dirs_(std::move(dirs)), path_(std::move(path)) {}

  ~RunCgroupV1() override {
    kill_all();
    for (const auto& dir : unique_dirs()) files::remove_dir(dir);
  }

  std::string path() const override { return path_; }

  std::vector<std::string> procs_files() const override {
    std::vector<std::string> procs;
    for (const auto& dir : unique_dirs()) procs.push_back(dir + "/cgroup.procs");
    return procs;
  }

  CgroupReadings read() const override {
    CgroupReadings r;
    const std::string& cpu = dirs_.at("cpu");
    auto quota = files::read_int(cpu + "/cpu.cfs_quota_us");
    auto period = files::read_int(cpu + "/cpu.cfs_period_us");
    if (quota && period && *quota > 0) r.cpu_quota_percent = 100.0 * *quota / *period;
    r.nr_periods = files::read_key(cpu + "/cpu.stat", "nr_periods");
    r.nr_throttled = files::read_key(cpu + "/cpu.stat", "nr_throttled");
    if (auto ns = files::read_key(cpu + "/cpu.stat", "throttled_time")) r.throttled_ms = *ns / 1e6;
    if (auto ns = files::read_int(dirs_.at("cpuacct") + "/cpuacct.usage")) r.cpu_usage_ms = *ns / 1e6;
    r.cpus = files::read(dirs_.at("cpuset") + "/cpuset.cpus").value_or("");
    const std::string& memory = dirs_.at("memory");
    auto limit = files::read_int(memory + "/memory.limit_in_bytes");
    if (limit && *limit < kUnlimitedAbove) r.memory_limit_bytes = limit;
    r.memory_peak_bytes = files::read_int(memory + "/memory.max_usage_in_bytes");
    r.oom_kills = files::read_key(memory + "/memory.oom_control", "oom_kill");
    return r;
  }

  void kill_all() override {
    for (const auto& procs : procs_files()) files::kill_tasks(procs);
  }

 private:
  std::vector<std::string> unique_dirs() const {
    std::vector<std::string> dirs;
    for (const auto& [controller, dir] : dirs_)
      if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
    return dirs;
  }

  std::map<std::string, std::string> dirs_;  // controller -> folder (co-mounted ones share)
  std::string path_;
};

class CgroupV1 final : public CgroupSystem {
 public:
  explicit CgroupV1(const CgroupHost& host) : session_(session_name(host.owner)) {
    std::map<std::string, std::string> mount_of = files::cgroup_mounts(host.mounts_text).v1;
    for (const auto& controller : kControllers) {
      auto own = files::own_path(host.self_cgroup_text, controller);
      if (!mount_of.count(controller) || !own) {
        reason_ = "cgroup v1 controller '" + controller + "' is not mounted";
        return;
      }
      own_dirs_[controller] = mount_of[controller] + (*own == "/" ? "" : *own);
      if (access(own_dirs_[controller].c_str(), W_OK) != 0)
        reason_ = "no write access to " + own_dirs_[controller] +
                  " (run the orchestrator as root, or delegate that cgroup to this user)";
    }
  }

  ~CgroupV1() override {
    for (const auto& [controller, own] : own_dirs_) files::remove_dir(own + "/" + session_);
  }

  std::string description() const override {
    return reason_ ? "unusable: " + *reason_ : "cgroup v1, run groups nested under this process's own cgroup";
  }
  int version() const override { return reason_ ? 0 : 1; }

  int remove_dead_sessions() override {
    if (reason_) return 0;
    int removed = 0;
    for (const auto& [controller, own] : own_dirs_) removed = std::max(removed, remove_dead_cgroup_sessions(own));
    return removed;
  }
  std::optional<std::string> unusable_reason() const override { return reason_; }

  void prepare_session() override {
    if (reason_) throw CgroupError(*reason_);
    for (const auto& [controller, own] : own_dirs_) {
      const std::string session = own + "/" + session_;
      if (files::exists(session)) continue;
      files::make_dir(session);
      if (controller == "cpuset") inherit_cpuset(own, session);
    }
  }

  std::unique_ptr<RunCgroup> create(const std::string& leaf, const CgroupLimits& limits) override {
    prepare_session();
    std::map<std::string, std::string> dirs;
    for (const auto& [controller, own] : own_dirs_) dirs[controller] = own + "/" + session_ + "/" + leaf;
    // The RunCgroup owns the folders before they exist: a failure below removes
    // whichever were made.
    auto group = std::make_unique<RunCgroupV1>(dirs, "/" + session_ + "/" + leaf);
    for (const auto& [controller, dir] : dirs) files::make_dir(dir);
    apply(dirs, limits);
    return group;
  }

 private:
  // A new cpuset folder has no CPUs or memory nodes until told; start from the parent's.
  static void inherit_cpuset(const std::string& parent, const std::string& child) {
    files::write(child + "/cpuset.cpus", files::read(parent + "/cpuset.cpus").value_or(""));
    files::write(child + "/cpuset.mems", files::read(parent + "/cpuset.mems").value_or(""));
  }

  static void apply(const std::map<std::string, std::string>& dirs, const CgroupLimits& limits) {
    const std::string& cpuset = dirs.at("cpuset");
    inherit_cpuset(cpuset + "/..", cpuset);
    if (!limits.cpuset.empty()) files::write(cpuset + "/cpuset.cpus", format_cpu_list(limits.cpuset));
    const std::string& cpu = dirs.at("cpu");
    if (limits.cpu_quota_percent) {
      files::write(cpu + "/cpu.cfs_period_us", std::to_string(kPeriodUs));
      files::write(cpu + "/cpu.cfs_quota_us",
                   std::to_string(std::llround(*limits.cpu_quota_percent * kPeriodUs / 100.0)));
    }
    const std::string& memory = dirs.at("memory");
    if (limits.memory_bytes) {
      files::write(memory + "/memory.limit_in_bytes", std::to_string(*limits.memory_bytes));
      // Limit memory+swap to the same amount: the run cannot swap.
      if (files::exists(memory + "/memory.memsw.limit_in_bytes"))
        files::write(memory + "/memory.memsw.limit_in_bytes", std::to_string(*limits.memory_bytes));
    }
  }

  std::string session_;
  std::map<std::string, std::string> own_dirs_;  // controller -> our own cgroup folder
  std::optional<std::string> reason_;
};

}  // namespace

std::unique_ptr<CgroupSystem> make_cgroup_v1(const CgroupHost& host) { return std::make_unique<CgroupV1>(host); }

}  // namespace orch

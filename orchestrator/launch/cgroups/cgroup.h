// Per-run control groups: one interface over cgroup v1 and v2, the version detected
// once. Every run cgroup is nested under the orchestrator's own cgroup (read from
// /proc/self/cgroup) in a session folder orchestrator-<pid>, never at a hierarchy's
// root, and is removed -- its tasks killed first -- when its RunCgroup dies.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "process/process_identity.h"

namespace orch {

struct CgroupLimits {
  std::optional<double> cpu_quota_percent;  // 200: two CPUs' worth of time per period
  std::vector<int> cpuset;                  // empty: the parent's CPUs
  std::optional<int64_t> memory_bytes;      // with swap kept out where the kernel allows
};

// Read from outside, after the run: what the kernel enforced and counted.
struct CgroupReadings {
  std::optional<double> cpu_quota_percent;    // nullopt: no quota
  std::string cpus;                           // CPU list the group could use
  std::optional<int64_t> memory_limit_bytes;  // nullopt: unlimited
  std::optional<int64_t> nr_periods;
  std::optional<int64_t> nr_throttled;
  std::optional<double> throttled_ms;
  std::optional<double> cpu_usage_ms;
  std::optional<int64_t> memory_peak_bytes;
  std::optional<int64_t> oom_kills;
};

struct CgroupError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class RunCgroup {
 public:
  virtual ~RunCgroup() = default;
  // The group's path below the hierarchy root, e.g. /orchestrator-812/run-3.
  virtual std::string path() const = 0;
  // Files the child writes its own pid to, before it execs, to join the group.
  virtual std::vector<std::string> procs_files() const = 0;
  virtual CgroupReadings read() const = 0;
  // SIGKILL to every task in the group, until it is empty (bounded wait).
  virtual void kill_all() = 0;
};

class CgroupSystem {
 public:
  virtual ~CgroupSystem() = default;
  virtual int version() const = 0;  // 1 or 2; 0 when unusable
  // Why no run cgroup can be made here, with the fix; nullopt when they can.
  virtual std::optional<std::string> unusable_reason() const = 0;
  // What `doctor` says: the version and where run groups go, or why none can be made.
  virtual std::string description() const = 0;
  // Why a group with `limits` cannot be made here (a controller not delegated);
  // nullopt when it can, or when cgroups are unusable altogether.
  virtual std::optional<std::string> cannot_apply(const CgroupLimits&) const { return std::nullopt; }
  // Makes this orchestrator's session folder now rather than at the first create(),
  // so that the first run's start-up time does not include it. Throws CgroupError.
  virtual void prepare_session() = 0;
  // A fresh group named `leaf` with `limits` applied. Throws CgroupError.
  virtual std::unique_ptr<RunCgroup> create(const std::string& leaf, const CgroupLimits& limits) = 0;
  // Removes what orchestrators that died (SIGKILL) left: their session folders, their
  // groups, the tasks in them. Returns the number of sessions removed.
  virtual int remove_dead_sessions() = 0;
};

// Where to look: the real machine, or a fake tree for tests.
struct CgroupHost {
  std::string mounts_text;       // /proc/self/mounts
  std::string self_cgroup_text;  // /proc/self/cgroup
  ProcessIdentity owner;         // names the session folder orchestrator-<pid>-<start>
  // systemd can give this process a delegated scope of its own (systemd_units.h), for
  // a cgroup v2 host where its own cgroup is not its to divide.
  bool systemd_scopes = false;

  static CgroupHost real();
};

// v1 when cpu, cpuacct, cpuset and memory hierarchies are mounted; else v2 when a
// cgroup2 mount offers cpu, cpuset and memory; else an object that says why not.
std::unique_ptr<CgroupSystem> detect_cgroups(const CgroupHost& host = CgroupHost::real());

// Removes the session folders under `own_dir` whose orchestrator is dead (killed by
// SIGKILL, say; session.h): their tasks are killed, their groups removed. Returns
// how many sessions went. For the backends.
int remove_dead_cgroup_sessions(const std::string& own_dir);

// Reads a cgroup v2 group's limits and counters at `dir` (its folder in cgroupfs): for
// the v2 backend's run groups, and for scopes systemd made.
CgroupReadings read_cgroup_v2(const std::string& dir);

// Implementation detail of detect_cgroups, exposed for tests.
std::unique_ptr<CgroupSystem> make_cgroup_v1(const CgroupHost& host);
std::unique_ptr<CgroupSystem> make_cgroup_v2(const std::string& mount_point, const CgroupHost& host);

}  // namespace orch

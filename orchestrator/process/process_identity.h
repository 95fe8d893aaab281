// Which process a pid means: a pid plus its start time (clock ticks after boot, field
// 22 of /proc/PID/stat). A pid is reused once its process is gone; the pair is not, so
// it tells a dead orchestrator from a live process that got its pid. Everything that
// outlives an orchestrator (cgroup sessions, scratch folders, containers, DB rows)
// carries its owner's identity, and "dead" means no process has that identity.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace orch {

struct ProcessIdentity {
  pid_t pid = 0;
  uint64_t start_ticks = 0;  // 0: not recorded (names made before identities were)

  // This process.
  static ProcessIdentity self();
  // The process that has `pid` now; nullopt when there is none.
  static std::optional<ProcessIdentity> of(pid_t pid);
  // "<pid>-<start>" as names carry it, or a bare "<pid>" (start unknown).
  static std::optional<ProcessIdentity> parse(const std::string& text);

  // A process with this pid runs and, when start_ticks is known, started then. A pid
  // whose start is unknown counts as alive while any process has it: alive is the
  // safe answer when in doubt.
  bool alive() const;
  // `signal_number` to this process if it still is this process: through a pidfd, so
  // that a process that got the pid meanwhile is never hit. False when it was not there.
  bool signal(int signal_number) const;
  bool kill() const;  // SIGKILL

  std::string text() const;  // "<pid>-<start>"

  bool operator==(const ProcessIdentity& other) const { return pid == other.pid && start_ticks == other.start_ticks; }
};

// /proc/sys/kernel/random/boot_id: a process identity means nothing after a reboot.
std::string boot_id();

// The parent, process group and start of a process, from /proc/PID/stat.
struct ProcessStat {
  pid_t parent = 0;
  pid_t group = 0;
  uint64_t start_ticks = 0;
  char state = '?';     // R, S, D, T (stopped), Z, ...
  bool zombie = false;  // dead, only not reaped yet
};
std::optional<ProcessStat> read_process_stat(pid_t pid);

// Every pid in /proc now.
std::vector<pid_t> all_pids();

}  // namespace orch

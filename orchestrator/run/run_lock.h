// One measuring orchestrator per machine. `run` measures only while it holds both
//   - an exclusive flock(2) on its lock file (--lock), which shell tools can share
//     (`flock /run/orchestrator.lock make bench`), and
//   - the machine's measuring slot (machine_presence.h): no other orchestrator may
//     be measuring, whatever lock file it uses.
// It waits for both up to its limit, then gives up with kExitLocked; SIGINT, SIGTERM
// or SIGHUP while it waits end it with kExitInterrupted. The kernel releases both
// when the holder dies, even by SIGKILL. With `share_machine` it takes the slot even
// beside others (their runs and its own are flagged `concurrent`).
#pragma once

#include <memory>
#include <string>

#include "common/safe_files.h"
#include "run/machine_presence.h"
#include "run/observer.h"

namespace orch {

// The default --lock: /run/orchestrator.lock for root, a folder only root can write
// (Debian's /run/lock is writable by everyone, so anyone could plant a file there);
// otherwise $XDG_RUNTIME_DIR/orchestrator.lock, or /tmp/orchestrator-<uid>.lock.
std::string default_lock_path();

class RunLock {
 public:
  // Throws UserError: kExitLocked after wait_s, kExitInterrupted on a stop signal,
  // kExitError when the lock file cannot be used (see safe_files.h: never a symbolic
  // link another user owns, a regular file of this user's, mode 0600).
  // Waiting, and measuring beside others, are told to `observer`.
  RunLock(const std::string& path, double wait_s, bool share_machine, Observer& observer);

  // The other orchestrators that measured on this machine since the last call:
  // those measuring now, and those that arrived and may have left since. Called at
  // the start and the end of each run, it names every one that overlapped the run.
  std::vector<std::string> concurrent_orchestrators() const;

 private:
  Fd file_;
  std::unique_ptr<MeasuringAnnouncement> announcement_;
};

}  // namespace orch

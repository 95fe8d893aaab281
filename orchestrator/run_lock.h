// One measuring orchestrator per machine: `run` holds an exclusive flock(2) on a lock
// file for as long as it measures. A second `run` waits up to its limit, then gives up
// with kExitLocked. The kernel drops the lock when the holder dies, even by SIGKILL.
#pragma once

#include <string>

namespace orch {

class RunLock {
 public:
  // Throws UserError (exit code kExitLocked) when the lock stays taken for wait_s.
  RunLock(const std::string& path, double wait_s);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace orch

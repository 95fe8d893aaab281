// Which other orchestrators are measuring on this machine, whatever lock file each
// uses. A measuring orchestrator binds an abstract UNIX socket named
//   inference-orchestrator/measuring/<monotonic ns when it went ahead>/<pid>
// which every process on the machine can see in /proc/net/unix, which no file
// system path can redirect, and which the kernel removes when the process dies,
// even by SIGKILL. (It is per network namespace: an orchestrator inside a container
// with its own network is not seen; the lock file still is, if the two share it.)
// An orchestrator that goes ahead beside others (--share-machine) greets each with a
// datagram, so that one whose run began before it arrived and ends after it left
// still learns that it had company.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/safe_files.h"

namespace orch {

struct MeasuringOrchestrator {
  pid_t pid = 0;
  int64_t since_ns = 0;      // CLOCK_MONOTONIC when it went ahead
  std::string command;       // its command line, when this process may read it
  std::string text() const;  // "pid 812 (orchestrator run nightly.yaml ...)"
};

// Every orchestrator measuring now except this process. As root, an entry is
// believed only when the process it names holds the socket; another user cannot
// make root wait with a socket of their own naming some other process.
std::vector<MeasuringOrchestrator> measuring_orchestrators();

// This process's announcement: measuring from construction to destruction.
class MeasuringAnnouncement {
 public:
  MeasuringAnnouncement();  // throws UserError when the socket cannot be bound
  int64_t since_ns() const { return since_ns_; }
  // Tells each of `others` that this orchestrator measures beside it now.
  void greet(const std::vector<MeasuringOrchestrator>& others) const;
  // The orchestrators that greeted this one since the last call, by the pid the
  // kernel vouches for (SCM_CREDENTIALS), not by what they wrote: root's and this
  // user's, and another user's only while it holds a measuring slot.
  std::vector<MeasuringOrchestrator> greeted_by() const;

 private:
  int64_t since_ns_ = 0;
  Fd socket_;
};

}  // namespace orch

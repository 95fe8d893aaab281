// This orchestrator's scratch folder, in $TMPDIR:
//   orchestrator-<pid>-<start>-XXXXXX/   this process's, 0711: workers pass through it
//     processes                          the boot and the owner, then "<pid> <start>" of every
//                                        process spawned for a run
//     results/                           the workers' own (worker.user's, 0700): their reports
// $TMPDIR must belong to root or to this user, and be writable by others only with
// the sticky bit (as /tmp is): else another user could rename the folders in it.
// Workers may leave anything in results/ (a FIFO, a link to /dev/zero or to a secret):
// a report is read only as a regular file with one link, up to a cap, never by
// following a link. The folder is removed through file descriptors. The next start
// recovers the folders of orchestrators that died (by the owner recorded inside,
// not by the name alone): it kills the processes they recorded that still run (with
// their process groups), then removes the folders.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "matrix/matrix.h"
#include "common/safe_files.h"
#include "run/process_identity.h"

namespace orch {

class ScratchDir {
 public:
  // Throws UserError when $TMPDIR cannot hold it (see safe_files.h).
  ScratchDir(const ProcessIdentity& owner, const std::optional<UserIdentity>& worker_user);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // Where the worker of run `run_name` writes its report, and the folder holding it.
  std::string report_path(const std::string& run_name) const;
  std::string results_path() const { return path_ + "/results"; }
  // The report, read as described above and then deleted.
  FileText take_report(const std::string& run_name, size_t max_bytes) const;
  // Records a spawned process, for the recovery after a SIGKILL.
  void record_process(pid_t pid) const;

 private:
  Fd parent_;
  std::string name_;
  std::string path_;
  Fd folder_;
  Fd results_;
  Fd processes_;
};

// $TMPDIR, or /tmp.
std::string scratch_parent();

// Recovers the scratch folders in $TMPDIR whose orchestrator is dead, as above.
// Returns the number of processes killed.
int recover_dead_scratch_dirs();

}  // namespace orch

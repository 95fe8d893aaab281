// This orchestrator's scratch folder, in $TMPDIR:
//   orchestrator-<pid>-<start>-XXXXXX/   this process's, 0711: workers pass through it
//     processes                          the boot and the owner, then "<pid> <start>" of every
//                                        process spawned for a run
//     orch-<pid>-<start>-c<cell>-r<run>/ one run's own (worker.user's, 0700), made fresh for
//       report.json                      the run and removed after it: where its worker writes
// $TMPDIR must belong to root or to this user, and be writable by others only with
// the sticky bit (as /tmp is): else another user could rename the folders in it.
// Workers may leave anything in their run's folder (a FIFO, a link to /dev/zero or
// to a secret), and nothing in another run's (one cell's program cannot block the
// next run's report):
// a report is read only as a regular file with one link, up to a cap, never by
// following a link. The folder is removed through file descriptors. The next start
// recovers the folders of orchestrators that died (by the owner recorded inside,
// not by the name alone): it kills the processes they recorded that still run (with
// their process groups), then removes the folders.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "common/safe_files.h"
#include "matrix/experiment.h"
#include "process/process_identity.h"
#include "run/observer.h"

namespace orch {

class ScratchDir {
 public:
  // Throws UserError when $TMPDIR cannot hold it (see safe_files.h).
  // A folder it cannot remove at the end is told to `observer` (ScratchLeft).
  ScratchDir(const ProcessIdentity& owner, const std::optional<UserIdentity>& worker_user, Observer& observer);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // Makes run `run_name`'s folder; returns where its worker writes its report.
  std::string prepare_run(const std::string& run_name) const;
  // The report, read as described above; the run's folder is then removed.
  FileText take_report(const std::string& run_name, size_t max_bytes) const;
  // Records a spawned process, for the recovery after a SIGKILL.
  void record_process(pid_t pid) const;

 private:
  Fd parent_;
  std::string name_;
  std::string path_;
  Fd folder_;
  Fd processes_;
  std::optional<std::pair<uint32_t, uint32_t>> worker_ids_;  // worker.user's (uid, gid)
  Observer& observer_;
};

// $TMPDIR, or /tmp.
std::string scratch_parent();

// Throws UserError when no scratch folder may go in $TMPDIR (see above): `validate`
// says so before anything is opened.
void check_scratch_parent();

// Recovers the scratch folders in $TMPDIR whose orchestrator is dead, as above.
// Returns the number of processes killed.
int recover_dead_scratch_dirs();

}  // namespace orch

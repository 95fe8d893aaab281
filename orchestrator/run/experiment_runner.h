// Runs every cell of a validated experiment: warm-up runs, then measured runs, each a
// fresh worker process, stored as 'running' when it starts and completed in one
// transaction when it ends.
#pragma once

#include <cstdint>

#include "common/system_info.h"
#include "launch/launcher.h"
#include "matrix/experiment.h"
#include "run/observer.h"
#include "run/run_lock.h"
#include "run/run_share.h"
#include "store/result_store.h"

namespace orch {

// How an experiment ended, measured here or through Slurm jobs (slurm_submission.h).
struct ExperimentOutcome {
  int64_t experiment_id = 0;
  int64_t runs_total = 0;    // here: the runs measured now; Slurm: the experiment's stored runs
  int64_t runs_ok = 0;       // of those
  bool interrupted = false;  // a stop signal (the run in flight stored as aborted), or every Slurm job cancelled
  bool detached = false;     // Slurm: jobs still out, for `collect`
};

// With `resume`, the latest interrupted experiment of the same matrix goes on where
// it stopped (see ResultStore::resume); without one, a new experiment starts.
// Stops before the next run once SIGINT/SIGTERM/SIGHUP arrived (interrupt.h).
// `lock` is held throughout; it names the orchestrators each run measured beside.
// With a `share` (a Slurm job's, run_share.h) only its runs are measured.
// Everything it reports while it runs goes to `observer`, in order (observer.h).
ExperimentOutcome run_experiment(const Experiment& experiment, const Launchers& launchers, ResultStore& store,
                                 const SystemInfo& system, const RunLock& lock, Observer& observer, bool resume,
                                 const RunShare* share = nullptr);

}  // namespace orch

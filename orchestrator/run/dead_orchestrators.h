// What orchestrators that died left behind: the processes of their runs (found by the
// identities they recorded in their cgroup sessions, scratch folders, containers and
// scopes), and their runs left 'running' in the results DB. An orchestrator is dead
// when it ran in another boot, or no process has its identity now; a live one's are
// never touched, whatever lock it holds. What was recovered is told to the observer
// (LeftoversRecovered).
#pragma once

#include <string>

#include "launch/launcher.h"
#include "matrix/experiment.h"
#include "run/observer.h"
#include "store/result_store.h"

namespace orch {

// Before `run` measures: every leftover, then this orchestrator's cgroup session is
// made (Launchers::prepare). Throws UserError when the session cannot be.
void recover_from_dead_orchestrators(const Experiment& experiment, const Launchers& launchers, ResultStore& store,
                                     const std::string& hostname, Observer& observer);

// Only the runs in the DB that dead orchestrators on `hostname` left 'running' (run
// --slurm, collect): stored as aborted, their experiments interrupted. Returns how
// many runs.
int repair_runs_of_dead_orchestrators(ResultStore& store, const std::string& hostname, Observer& observer);

}  // namespace orch

// What this machine allows, checked for every cell before anything runs: the CPUs
// of a cpuset must be online and within the orchestrator's own affinity, a quota at
// most what the online CPUs can give, on Slurm a memory limit at most the nodes' memory, a cache policy one this
// process may apply. (Whether a launcher can honour a cell is launch/launcher.h's to say.)
#pragma once

#include "common/system_info.h"
#include "matrix/experiment.h"

namespace orch {

// Throws UserError at the setting's file:line:column.
void check_feasible(const Experiment& experiment, const SystemInfo& system);

}  // namespace orch

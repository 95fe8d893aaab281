// Runs every cell of a validated experiment: warm-up runs, then measured runs, each a
// fresh worker process, each stored as soon as it finishes.
#pragma once

#include <cstdint>

#include "launchers/launcher.h"
#include "matrix.h"
#include "result_store.h"
#include "system_info.h"

namespace orch {

struct ExperimentOutcome {
  int64_t experiment_id = 0;
  int runs_total = 0;
  int runs_ok = 0;
  bool interrupted = false;  // SIGINT/SIGTERM: the run in flight was stored as aborted
};

ExperimentOutcome run_experiment(const Experiment& experiment, const Launchers& launchers,
                                 ResultStore& store, const SystemInfo& system);

}  // namespace orch

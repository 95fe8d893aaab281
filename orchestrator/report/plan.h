// `plan`: what a matrix will run -- every cell, its settings, its runs and its exact
// command, and the order -- and with --from-history, the cheapest runs x iterations
// for each cell from its runs stored on this host (measure/variance_components.h).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "launch/launcher.h"
#include "matrix/experiment.h"
#include "measure/variance_components.h"
#include "store/history.h"

namespace orch {

// Every run of the experiment, warm-ups included (for runs: auto, the most).
int64_t total_runs(const Experiment& experiment);

// The plan as `plan` prints it.
void write_plan(std::ostream& out, const Experiment& experiment, const Launchers& launchers);

// One cell's advice: from its newest stored runs with the same settings on this host,
// in a finished experiment, less the runs flagged interference or outlier-run.
struct CellAdvice {
  std::string label;
  std::string missing;  // why there is no advice ("no stored runs ..."); "" when there is
  int64_t experiment_id = 0;
  size_t ok_runs = 0;        // the measured ok runs the advice is from
  size_t left_out = 0;       // those left out: interference, outlier-run
  double between_share = 0;  // of a run's variance, run to run
  RunCost cost;
  int runs_now = 0, iterations_now = 0;
  double half_width_now = 0, seconds_now = 0;  // as written
  std::optional<Plan> cheapest;                // nullopt: no plan reaches the target
};
struct PlanAdvice {
  double target_percent = 0;
  bool runs_auto = false;
  std::vector<CellAdvice> cells;
};
// `target_percent`: 0 for the matrix's precision target, else 2.
PlanAdvice plan_advice(const Experiment& experiment, History& history, const std::string& hostname,
                       double target_percent);
// `source` names the DB the advice comes from.
void write_plan_advice(std::ostream& out, const PlanAdvice& advice, const std::string& source);

}  // namespace orch

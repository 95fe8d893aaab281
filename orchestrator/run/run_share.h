// The part of an experiment's runs that one orchestrator measures: the share a Slurm
// job was given (`run --slurm-share`, written by slurm/slurm_submission.cpp). The job's
// orchestrator runs exactly these runs of these cells, in the experiment's order, and
// stores them in its own DB, from which the submitting orchestrator ingests them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "matrix/experiment.h"

namespace orch {

struct RunShare {
  // cell index -> its run indices (as runs.run_index counts them: warm-ups first), ascending
  std::map<int, std::vector<int>> runs;

  bool has(int cell_index, int run_index) const;
  size_t size() const;  // runs in all
};

// "0:0-3/2:0,2-3": cells separated by '/', each CELL:RUNS, RUNS a list like a CPU list.
std::string format_share(const RunShare& share);
// Throws UserError naming what is wrong: the syntax, or a cell or run the experiment lacks.
RunShare parse_share(const std::string& text, const Experiment& experiment);

}  // namespace orch

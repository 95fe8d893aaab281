// The worker's command line (its protocol is schemas/worker-result.schema.json), and
// how any argv is shown to a person.
#pragma once

#include <string>
#include <vector>

#include "matrix/experiment.h"

namespace orch {

// Per-run values; `plan` shows them as placeholders.
struct RunArguments {
  std::string spawn_ns = "<spawn-ns>";
  std::string result_path = "<result-file>";
  std::string run_name = "<run-name>";  // unique per run; names its cgroup, scope or container
};

// The worker's command line for one run of a cell (protocol/worker_flags.h).
std::vector<std::string> worker_argv(const CellSettings& cell, const RunArguments& run);

// argv as a POSIX shell would need it typed, for display and for the DB. Never executed.
std::string quote_command(const std::vector<std::string>& argv);

}  // namespace orch

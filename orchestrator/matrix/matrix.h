// The experiment matrix: a YAML file (schemas/matrix.schema.json) turned into an
// Experiment whose cells are the cartesian product of the `matrix:` axes. Everything
// that can be checked before a launch is checked here, with file:line:column: the
// document (this file), the settings (settings.h), the axes and their expansion
// (expansion.h), and what the machine allows (feasibility.h).
#pragma once

#include <string>

#include "common/system_info.h"
#include "matrix/experiment.h"

namespace orch {

// Reads, expands and validates a matrix file: a regular UTF-8 text file of at most
// kMaxMatrixBytes, read as safe_files.h says. `default_worker` is every cell's
// program unless the matrix names one. Throws UserError naming file:line:column.
Experiment load_experiment(const std::string& path, const SystemInfo& system, const std::string& default_worker,
                           const MatrixOptions& options = {});

// The same for text already in memory; `path` names it in messages and anchors
// relative paths.
Experiment parse_experiment(const std::string& text, const std::string& path, const SystemInfo& system,
                            const std::string& default_worker, const MatrixOptions& options = {});

}  // namespace orch

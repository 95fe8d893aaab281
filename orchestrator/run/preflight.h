// Everything checked before anything is launched: the matrix loaded and expanded
// against this machine (or a Slurm partition's smallest node), every cell's launcher,
// the worker programs, their devices and the scratch folder. Throws UserError naming
// what is wrong (file:line:column where the matrix says it).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/system_info.h"
#include "launch/launcher.h"
#include "matrix/matrix.h"

namespace orch {

// The bundled C++ worker, built next to this executable.
std::string default_worker();

// Loads the matrix and checks it against this machine and every launcher.
Experiment prepare_experiment(const std::string& matrix_path, const MatrixOptions& matrix_options,
                              const SystemInfo& system, const Launchers& launchers);

// run --slurm and validate --slurm: the matrix checked against a Slurm partition's
// smallest node (`node`). Launchers, devices and the scratch folder are each node's to check:
// its job does before it launches anything, and a refusal there is the job's runs'
// reason.
Experiment prepare_slurm_experiment(const std::string& matrix_path, const MatrixOptions& matrix_options,
                                    const SystemInfo& node);

// What `validate` and `plan` warn of before the night, from the matrix alone, one line
// each: a cell whose intra-op threads (torch_threads, else OMP_NUM_THREADS) exceed its
// cpuset's CPUs or its quota's whole CPUs will be `oversubscribed` in every run. A
// warning, not an error: the cell may ask for it on purpose, to measure the penalty.
std::vector<std::string> preflight_warnings(const Experiment& experiment);

// Why worker `program` cannot run on `device` (its first line of `--probe-device`);
// nullopt when it can. Asked as the user the workers run as.
std::optional<std::string> device_problem(const std::string& program, const std::string& device,
                                          const std::optional<std::pair<uint32_t, uint32_t>>& run_as = std::nullopt);

}  // namespace orch

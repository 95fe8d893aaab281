// The calibration kernel, run as its own fresh process: the bundled worker's
// `--calibrate` times a fixed 256x256 matrix product on one thread with LibTorch's
// BLAS and prints the mean of its steps (measure/drift.h says what the times mean).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "run/observer.h"

namespace orch {

// The kernel's mean step in ms, or nullopt (CalibrationFailed, to `observer`) when the
// worker failed or said something that is not such a time: its output is untrusted,
// like any worker's.
std::optional<double> run_calibration(const std::string& worker_program,
                                      const std::optional<std::pair<uint32_t, uint32_t>>& run_as, Observer& observer);

}  // namespace orch

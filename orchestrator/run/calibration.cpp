// The calibration kernel's process (see calibration.h).
#include "run/calibration.h"

#include <cmath>
#include <sstream>

#include "common/text.h"
#include "process/supervisor.h"
#include "protocol/worker_flags.h"

namespace orch {

std::optional<double> run_calibration(const std::string& worker_program,
                                      const std::optional<std::pair<uint32_t, uint32_t>>& run_as, Observer& observer) {
  const CommandOutput output = capture_output({worker_program, protocol::flag::kCalibrate}, run_as);
  std::istringstream in(output.text);
  double ms = 0;
  std::string rest;
  // One number, nothing else; a step of a minute would be no calibration.
  if (output.ok && in >> ms && !(in >> rest) && std::isfinite(ms) && ms > 0 && ms < 60000) return ms;
  observer.on(event::CalibrationFailed{worker_program, printable(output.text.substr(0, 40))});
  return std::nullopt;
}

}  // namespace orch

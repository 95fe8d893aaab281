// A cell's stored runs (see stored_runs.h).
#include "measure/stored_runs.h"

namespace orch {

bool is_measured(const Columns& run) { return text_of(value_of(run, "is_warmup")) != "1"; }

bool is_ok(const Columns& run) { return text_of(value_of(run, "status")) == "ok"; }

std::vector<const Columns*> measured_ok_runs(const std::vector<Columns>& runs) {
  std::vector<const Columns*> ok;
  for (const auto& run : runs)
    if (is_measured(run) && is_ok(run)) ok.push_back(&run);
  return ok;
}

std::optional<double> number_in(const Columns& run, const char* name) { return number_of(value_of(run, name)); }

}  // namespace orch

// A run read back from the results DB (see stored_run.h).
#include "measure/stored_run.h"

namespace orch {

std::vector<const StoredRun*> measured_ok_runs(const std::vector<StoredRun>& runs) {
  std::vector<const StoredRun*> ok;
  for (const auto& run : runs)
    if (run.measured() && run.ok()) ok.push_back(&run);
  return ok;
}

}  // namespace orch

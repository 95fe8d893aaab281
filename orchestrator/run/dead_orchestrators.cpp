// Recovery after orchestrators that died (see dead_orchestrators.h).
#include "run/dead_orchestrators.h"

#include "common/error.h"
#include "common/session.h"
#include "run/scratch_dir.h"

namespace orch {

int repair_runs_of_dead_orchestrators(ResultStore& store, const std::string& hostname, Observer& observer) {
  const std::string this_boot = boot_id();
  std::vector<ResultStore::RunningExperiment> dead;
  for (const auto& running : store.experiments().running_experiments(hostname)) {
    const OrchestratorIdentity& owner = running.orchestrator;
    const bool other_boot = !owner.boot_id.empty() && owner.boot_id != this_boot;
    if (other_boot || owner.process.pid <= 0 || !owner.process.alive()) dead.push_back(running);
  }
  const int aborted = dead.empty() ? 0 : store.experiments().repair(dead);
  if (aborted) observer.on(event::LeftoversRecovered{0, 0, aborted});
  return aborted;
}

void recover_from_dead_orchestrators(const Experiment& experiment, const Launchers& launchers, ResultStore& store,
                                     const std::string& hostname, Observer& observer) {
  if (const int killed = recover_dead_scratch_dirs()) observer.on(event::LeftoversRecovered{killed, 0, 0});
  int removed = 0;
  try {
    removed = launchers.prepare(experiment);
  } catch (const CgroupError& e) {
    throw UserError(std::string("cannot set up this orchestrator's cgroup session: ") + e.what(),
                    "`orchestrator doctor` says what the cgroup launchers need here");
  }
  if (removed) observer.on(event::LeftoversRecovered{0, removed, 0});
  repair_runs_of_dead_orchestrators(store, hostname, observer);
}

}  // namespace orch

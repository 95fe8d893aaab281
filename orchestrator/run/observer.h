// What an experiment reports while it runs, here or through Slurm: one observer sees
// every event, in order. The engine (run/, slurm/) never prints; the terminal prints
// what it is told (cli/terminal_observer.h), a test records it, and a service can
// stream it to the clients that follow the job.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "measure/drift.h"
#include "measure/interference.h"
#include "measure/precision.h"
#include "measure/run_record.h"
#include "measure/warnings.h"
#include "run/run_order.h"

namespace orch {
namespace event {

// Before anything is measured.
struct Waiting {  // for the lock file, or for another orchestrator measuring here
  enum class For { kLock, kMachine } what = For::kLock;
  std::string whom;  // the lock's path, or the orchestrators measuring
  double wait_s = 0;
};
struct MeasuringBeside {  // --share-machine, with others measuring
  std::string others;
};
struct LeftoversRecovered {  // of orchestrators that died; only what was found
  int processes_killed = 0;
  int sessions_removed = 0;  // cgroup sessions, containers
  int runs_aborted = 0;      // left 'running' in the DB
};
struct HostChecked {  // at the experiment's start, when something is wrong with the host
  HostState host;
  std::vector<std::string> warnings;  // codes (warnings.h)
};
struct Resumed {
  std::string name;
  int64_t experiment_id = 0;
  size_t runs_stored = 0;
  bool slurm = false;
};
struct NothingToResume {
  bool slurm = false;
};
struct ExperimentStarted {
  std::string name;
  int64_t experiment_id = 0;
  size_t cells = 0;
  size_t runs_to_go = 0;
  RunOrder order = RunOrder::kSequential;
  int64_t order_seed = 0;  // order: random
};
struct ColdStartFilesListed {  // cache: evict, once per worker program
  size_t files = 0;
  std::string program;
  std::string source;
};

// Run by run.
struct RunPosition {
  int cell_index = 0;  // 0-based
  size_t cells = 0;
  std::string label;
  int run_index = 0;  // 0-based
  int runs = 0;       // of the cell
  bool warmup = false;
};
struct RunStarted {
  RunPosition at;
};
struct RunFinished {
  RunPosition at;
  RunStatus status = RunStatus::kOk;
  std::string reason;  // why not ok
  std::optional<double> p50_ms, device_p50_ms;
  std::optional<Interference> interference;  // only when it was warned about
  std::optional<double> eta_s;               // nullopt: too early to tell
};
struct CellStopped {  // runs: auto: the cell ran enough
  int cell_index = 0;
  std::string label;
  std::string reason;  // precision.h: stop_reason_name
  int measured_runs = 0;
  std::optional<double> precision;  // the p50's relative half-width reached
};
struct CalibrationFailed {
  std::string program;
  std::string answer;  // its first 40 bytes, printable
};
struct DriftMeasured {
  Drift drift;
  bool warn = false;  // past kMaxDriftShare
};
struct RunsSaved {  // runs: auto, against the fixed plan of the same precision
  FixedPlanComparison comparison;
};
struct ScratchLeft {  // the scratch folder could not be removed entirely
  std::string path;
};

// Slurm.
struct SlurmStarted {
  std::string name;
  int64_t experiment_id = 0;
  size_t jobs = 0;
  std::string partition;
  size_t nodes = 0, idle_nodes = 0;
  std::string split, folder;
};
struct SlurmJobSubmitted {
  int64_t job_id = 0;
  size_t runs = 0, cells = 0;
  std::optional<int> replica;
};
struct SlurmJobRefused {  // by sbatch; its runs stored as slurm_not_submitted
  std::string error;
  size_t runs = 0;
};
struct SlurmJobsCancelled {
  std::vector<int64_t> job_ids;
};
struct SlurmJobCollected {
  int64_t job_id = 0;
  std::string state;  // "" when Slurm kept no record
  int64_t ingested = 0, unfinished = 0;
  std::string reason;  // why runs are unfinished
};
struct SlurmQueueSilent {  // squeue does not answer
  double poll_s = 0;
};
struct SlurmSubmitterCollects {  // collect leaves an experiment to the orchestrator submitting it
  int64_t experiment_id = 0;
};

}  // namespace event

using Event =
    std::variant<event::Waiting, event::MeasuringBeside, event::LeftoversRecovered, event::HostChecked, event::Resumed,
                 event::NothingToResume, event::ExperimentStarted, event::ColdStartFilesListed, event::RunStarted,
                 event::RunFinished, event::CellStopped, event::CalibrationFailed, event::DriftMeasured,
                 event::RunsSaved, event::ScratchLeft, event::SlurmStarted, event::SlurmJobSubmitted,
                 event::SlurmJobRefused, event::SlurmJobsCancelled, event::SlurmJobCollected, event::SlurmQueueSilent,
                 event::SlurmSubmitterCollects>;

class Observer {
 public:
  virtual ~Observer() = default;
  // Called on the engine's thread, in order; must not throw.
  virtual void on(const Event& event) = 0;
};

}  // namespace orch

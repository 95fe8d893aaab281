// The experiment runner, driven as a library: a real tiny experiment (host launcher,
// the tiny CNN), its events checked through a recording observer.
#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "common/system_info.h"
#include "launch/launcher.h"
#include "matrix/matrix.h"
#include "process/interrupt.h"
#include "recording_observer.h"
#include "run/experiment_runner.h"
#include "run/run_lock.h"
#include "store/result_store.h"
#include "test_support.h"

namespace {

using orch::event::RunFinished;
using orch::event::RunStarted;

// Two cells of one warm-up and two measured runs each, in sequential order.
std::string matrix_text() {
  return "name: runner\nruns: 2\nwarmup_runs: 1\norder: sequential\nworker:\n  model: " + test::model("tiny_cnn.pt") +
         "\n  input_shape: [1, 3, 32, 32]\n  warmup_iterations: 2\n  iterations: 10\n"
         "matrix:\n  threads:\n    - {label: one, torch_threads: {intra_op: 1, inter_op: 1}}\n"
         "    - {label: two, torch_threads: {intra_op: 2, inter_op: 1}}\n";
}

// What a test needs to call run_experiment as `orchestrator run` does.
struct Engine {
  explicit Engine(const test::TempDir& dir)
      : system(orch::collect_system_info()),
        experiment(orch::load_experiment(dir.write("m.yaml", matrix_text()), system, test::bin("bench_worker"), {})),
        db_path(dir.file("r.db")),
        lock_path(dir.file("lock")) {}

  orch::ExperimentOutcome run(orch::Observer& observer, bool resume) const {
    orch::ResultStore store(db_path, orch::ResultStore::Access::kWrite, orch::stopped_by_signal);
    test::RecordingObserver lock_events;                        // other tests measuring beside this one, or not
    const orch::RunLock lock(lock_path, 0, true, lock_events);  // beside them, as the suite runs side by side
    return orch::run_experiment(experiment, launchers, store, system, lock, observer, resume);
  }

  orch::SystemInfo system;
  orch::Launchers launchers;
  orch::Experiment experiment;
  std::string db_path, lock_path;
};

// The (cell, run) of each RunFinished, "cell:run".
std::vector<std::string> finished_runs(const test::RecordingObserver& observer) {
  std::vector<std::string> runs;
  for (const auto& finished : observer.all<RunFinished>())
    runs.push_back(std::to_string(finished.at.cell_index) + ":" + std::to_string(finished.at.run_index));
  return runs;
}

// Each RunStarted is followed by its RunFinished, before the next run starts.
bool paired(const test::RecordingObserver& observer) {
  const RunStarted* open = nullptr;
  for (const auto& event : observer.events) {
    if (const auto* started = std::get_if<RunStarted>(&event)) {
      if (open) return false;
      open = started;
    } else if (const auto* finished = std::get_if<RunFinished>(&event)) {
      if (!open || open->at.cell_index != finished->at.cell_index || open->at.run_index != finished->at.run_index)
        return false;
      open = nullptr;
    }
  }
  return open == nullptr;
}

// Sends SIGTERM to this process as run `stop_at` (0-based, in order) starts: the
// worker it was about to spawn is stopped at once.
class StoppingObserver : public test::RecordingObserver {
 public:
  explicit StoppingObserver(size_t stop_at) : stop_at_(stop_at) {}
  void on(const orch::Event& event) override {
    RecordingObserver::on(event);
    if (std::holds_alternative<RunStarted>(event) && all<RunStarted>().size() == stop_at_ + 1) ::raise(SIGTERM);
  }

 private:
  size_t stop_at_;
};

}  // namespace

TEST_CASE("the runner tells its observer of every run, in order, with its status, p50 and ETA", "[runner]") {
  test::TempDir dir;
  const Engine engine(dir);
  test::RecordingObserver observer;
  const auto outcome = engine.run(observer, false);
  CHECK(outcome.runs_total == 6);
  CHECK(outcome.runs_ok == 6);
  CHECK_FALSE(outcome.interrupted);

  // The experiment first, then six runs, each started then finished.
  const auto started = observer.all<orch::event::ExperimentStarted>();
  REQUIRE(started.size() == 1);
  CHECK(started[0].experiment_id == outcome.experiment_id);
  CHECK(started[0].cells == 2);
  CHECK(started[0].runs_to_go == 6);
  size_t first_run = 0;
  while (!std::holds_alternative<RunStarted>(observer.events.at(first_run))) ++first_run;
  CHECK(std::holds_alternative<orch::event::ExperimentStarted>(observer.events.at(first_run - 1)));
  CHECK(paired(observer));
  CHECK(finished_runs(observer) == std::vector<std::string>{"0:0", "0:1", "0:2", "1:0", "1:1", "1:2"});
  const auto finished = observer.all<RunFinished>();
  for (const auto& run : finished) {
    INFO(run.at.cell_index << ":" << run.at.run_index << " " << run.reason);
    CHECK(run.status == orch::RunStatus::kOk);
    CHECK(run.at.warmup == (run.at.run_index == 0));
    CHECK(run.at.runs == 3);
    CHECK(run.at.cells == 2);
    REQUIRE(run.p50_ms);
    CHECK(*run.p50_ms > 0);
    REQUIRE(run.eta_s);  // from the mean run so far: known after the first
    CHECK(*run.eta_s >= 0);
  }
  CHECK(finished[0].at.label == "one");
  CHECK(finished[3].at.label == "two");
  CHECK(*finished.back().eta_s == 0);  // nothing left
  // Nothing that only a failure, a stop or runs: auto reports.
  CHECK(observer.all<orch::event::CellStopped>().empty());
  CHECK(observer.all<orch::event::Resumed>().empty());
  CHECK(observer.all<orch::event::ScratchLeft>().empty());
  CHECK(observer.all<orch::event::CalibrationFailed>().empty());
  // Each stored run keeps its place in the execution order.
  SQLite::Database db(engine.db_path);
  CHECK(db.execAndGet("SELECT GROUP_CONCAT(sequence) FROM (SELECT sequence FROM runs ORDER BY id)").getString() ==
        "1,2,3,4,5,6");
}

TEST_CASE("a stopped experiment reports its aborted run, and a resumed one reports the runs left", "[runner]") {
  test::TempDir dir;
  const Engine engine(dir);
  // Stopped by SIGTERM as its third run starts, in a child process: a stop signal is
  // for the whole process, and this one must resume afterwards.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    orch::install_stop_handlers();
    StoppingObserver observer(2);
    int failed = 0;
    try {
      const auto outcome = engine.run(observer, false);
      const auto finished = observer.all<RunFinished>();
      if (!outcome.interrupted) failed |= 1;
      if (outcome.runs_total != 3 || outcome.runs_ok != 2) failed |= 2;
      if (finished.size() != 3 || finished_runs(observer) != std::vector<std::string>{"0:0", "0:1", "0:2"})
        failed |= 4;
      else if (finished[2].status != orch::RunStatus::kAborted || finished[1].status != orch::RunStatus::kOk)
        failed |= 8;
      if (!paired(observer)) failed |= 16;
    } catch (...) {
      failed |= 32;
    }
    ::_exit(failed);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);  // each bit a check of the child's (above)

  test::RecordingObserver observer;
  const auto outcome = engine.run(observer, true);
  CHECK_FALSE(outcome.interrupted);
  const auto resumed = observer.all<orch::event::Resumed>();
  REQUIRE(resumed.size() == 1);
  CHECK(resumed[0].experiment_id == outcome.experiment_id);
  CHECK(resumed[0].runs_stored == 2);  // the aborted run is run again
  REQUIRE(std::holds_alternative<orch::event::Resumed>(observer.events.front()));
  // Cell 0 warms up again before its last measured run (its warm-up warmed a machine
  // that has been through a stop since); cell 1 runs whole.
  CHECK(finished_runs(observer) == std::vector<std::string>{"0:0", "0:2", "1:0", "1:1", "1:2"});
  CHECK(observer.all<orch::event::ExperimentStarted>().at(0).runs_to_go == 5);
  CHECK(paired(observer));
  for (const auto& run : observer.all<RunFinished>()) CHECK(run.status == orch::RunStatus::kOk);
  CHECK(outcome.runs_total == 5);
  CHECK(outcome.runs_ok == 5);
  SQLite::Database db(engine.db_path);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM experiments").getInt() == 1);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM runs WHERE status = 'ok'").getInt() == 6);
  CHECK(db.execAndGet("SELECT status FROM experiments").getString() == "finished");
  // The resumed runs go on numbering where the stopped ones left off (the forgotten
  // warm-up's number goes with it): every run numbered, in execution order.
  CHECK(db.execAndGet("SELECT GROUP_CONCAT(sequence) FROM (SELECT sequence FROM runs ORDER BY id)").getString() ==
        "2,3,4,5,6,7");
}

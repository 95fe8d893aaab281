// The results DB: schema migration, a stored run read back through the views.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "matrix/matrix.h"
#include "matrix/settings.h"
#include "measure/cell_statistics.h"
#include "recording_observer.h"
#include "report/summary.h"
#include "run/dead_orchestrators.h"
#include "store/result_store.h"
#include "store/schema_migrations.h"
#include "test_support.h"

namespace {

orch::Experiment two_cell_experiment() {
  orch::Experiment experiment;
  experiment.name = "store-test";
  experiment.matrix_path = "/tmp/m.yaml";
  experiment.matrix_text = "name: store-test\n";
  for (int i = 0; i < 2; ++i) {
    orch::Cell cell;
    cell.index = i;
    cell.label = "cell " + std::to_string(i);
    cell.settings.program = "/opt/bench_worker";
    cell.settings.model_path = "/models/m.pt";
    if (i == 1) {
      cell.settings.launcher = orch::LauncherKind::kTaskset;
      cell.settings.cpuset = {0};
      cell.settings.env = {{"OMP_NUM_THREADS", "1"}};
    }
    experiment.cells.push_back(cell);
  }
  return experiment;
}

orch::RunRecord ok_run(int run_index, bool warmup, double load_ms, std::vector<double> samples) {
  orch::RunRecord run;
  run.run_index = run_index;
  run.warmup = warmup;
  run.started_at = "2026-11-23T00:00:00.000Z";
  run.command_line = "/bin/worker";
  run.process.exit_code = 0;
  run.process.usage.major_faults = 7;
  protocol::WorkerReport report;
  report.ok = true;
  report.phases = {{"process_start", 0, 2}, {"model_load", 10, load_ms}, {"timed_loop", 50, 9}};
  report.samples_ms = samples;
  report.runtime.allowed_cpus = {0};
  report.runtime.torch.intra_op_threads = 1;
  report.runtime.torch.inter_op_threads = 1;
  report.runtime.thread_env = {{"OMP_NUM_THREADS", "1"}};
  run.report = report;
  run.latency = orch::summarize(samples);
  return run;
}

// As the runner does it: 'running' first, completed when the run is over.
void store_run(orch::ResultStore& store, int64_t cell_id, const orch::RunRecord& run) {
  store.experiments().record_run(store.experiments().begin_run(cell_id, run), cell_id, run);
}

// How many cells of the DB at `path` have no statistics row.
int cells_without_statistics(const std::string& path) {
  SQLite::Database db(path);
  return db
      .execAndGet(
          "SELECT COUNT(*) FROM cells c LEFT JOIN cell_statistics s ON s.cell_id = c.id WHERE s.cell_id IS NULL")
      .getInt();
}

// The value of the report's column `header` in row `row`, as the table prints it.
orch::Value shown(const orch::Summary& summary, size_t row, const std::string& header) {
  for (size_t c = 0; c < summary.columns.size(); ++c)
    if (summary.columns[c].header == header) return summary.rows.at(row).at(c);
  FAIL("no column " << header);
  return {};
}

bool has_column(const orch::Summary& summary, const std::string& header) {
  return std::any_of(summary.columns.begin(), summary.columns.end(),
                     [&](const orch::SummaryColumn& column) { return column.header == header; });
}

}  // namespace

TEST_CASE("a new DB is created at the latest schema version", "[store]") {
  test::TempDir dir;
  orch::ResultStore store(dir.file("r.db"));
  CHECK(store.schema_version() == orch::ResultStore::latest_schema_version());
  // The latest version is the number of migration files in schemas/migrations.
  size_t files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(ORCH_TEST_SOURCE_DIR) + "/schemas/migrations"))
    files += entry.path().extension() == ".sql";
  CHECK(orch::ResultStore::latest_schema_version() == static_cast<int>(files));
  CHECK(cells_without_statistics(dir.file("r.db")) == 0);
}

TEST_CASE("a DB from before the schema existed is migrated, its other data kept", "[store]") {
  test::TempDir dir;
  {
    SQLite::Database db(dir.file("r.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')");
  }
  orch::ResultStore store(dir.file("r.db"));
  CHECK(store.schema_version() == orch::ResultStore::latest_schema_version());
  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT text FROM notes").getString() == "mine");
  CHECK(db.execAndGet("SELECT COUNT(*) FROM cell_summary").getInt() == 0);
}

TEST_CASE("a DB newer than this build is refused, not modified", "[store]") {
  test::TempDir dir;
  {
    SQLite::Database db(dir.file("r.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA user_version = 999");
  }
  CHECK_THROWS_WITH(orch::ResultStore(dir.file("r.db")), Catch::Contains("schema version 999, newer"));
  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("PRAGMA user_version").getInt() == 999);
}

TEST_CASE("runs round-trip through run_phases and cell_summary", "[store]") {
  test::TempDir dir;
  orch::ResultStore store(dir.file("r.db"));
  auto experiment = two_cell_experiment();
  auto ids = store.experiments().begin_experiment(experiment, test::four_cpu_machine(), {"cmd0", "cmd1"});
  REQUIRE(ids.cell_ids.size() == 2);
  store_run(store, ids.cell_ids[1], ok_run(0, true, 900, {50, 50}));  // warm-up: excluded
  store_run(store, ids.cell_ids[1], ok_run(1, false, 100, {1, 2, 3}));
  store_run(store, ids.cell_ids[1], ok_run(2, false, 300, {3, 4, 5}));
  store_run(store, ids.cell_ids[1], ok_run(3, false, 200, {5, 6, 7, 8}));
  orch::RunRecord crashed;
  crashed.run_index = 4;
  crashed.started_at = "2026-11-23T00:00:01.000Z";
  crashed.command_line = "/bin/worker";
  crashed.status = orch::RunStatus::kCrashed;
  crashed.reason = "killed by SIGSEGV";
  crashed.process.term_signal = SIGSEGV;
  store_run(store, ids.cell_ids[1], crashed);
  store.experiments().finish_experiment(ids.experiment_id, "finished");

  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT COUNT(*) FROM samples").getInt() == 2 + 3 + 3 + 4);
  CHECK(db.execAndGet("SELECT status FROM experiments").getString() == "finished");

  SQLite::Statement phases(db,
                           "SELECT model_load_ms, process_start_ms, latency_p50_ms, major_faults "
                           "FROM run_phases WHERE cell_index = 1 AND run_index = 3");
  REQUIRE(phases.executeStep());
  CHECK(phases.getColumn(0).getDouble() == 200);
  CHECK(phases.getColumn(1).getDouble() == 2);
  CHECK(phases.getColumn(2).getDouble() == 6.5);
  CHECK(phases.getColumn(3).getInt() == 7);
  CHECK(db.execAndGet("SELECT reason FROM run_phases WHERE run_index = 4").getString() == "killed by SIGSEGV");

  SQLite::Statement summary(db,
                            "SELECT runs, runs_ok, model_load_ms, latency_p50_ms, cpuset, env, "
                            "intra_op_threads, launcher FROM cell_summary WHERE cell_index = 1");
  REQUIRE(summary.executeStep());
  CHECK(summary.getColumn(0).getInt() == 4);  // measured runs, the crashed one included
  CHECK(summary.getColumn(1).getInt() == 3);
  CHECK(summary.getColumn(2).getDouble() == 200);  // median of 100, 300, 200
  CHECK(summary.getColumn(3).getDouble() == 4);    // median of p50s 2, 4, 6.5
  CHECK(summary.getColumn(4).getString() == "0");
  CHECK(summary.getColumn(5).getString() == R"({"OMP_NUM_THREADS":"1"})");
  CHECK(summary.getColumn(6).getString() == "1");
  CHECK(summary.getColumn(7).getString() == "taskset");

  const auto report = orch::reading_summary(store.history().cell_summary(ids.experiment_id));
  REQUIRE(report.rows.size() == 2);
  CHECK(shown(report, 0, "ok") == orch::Value(std::string("0/0")));
  CHECK(shown(report, 1, "ok") == orch::Value(std::string("3/4")));
  CHECK(shown(report, 1, "p50 ms") == orch::Value(4.0));
}

TEST_CASE("CUDA event times are stored per iteration and summarised per run and per cell", "[store][gpu]") {
  test::TempDir dir;
  orch::ResultStore store(dir.file("r.db"));
  auto experiment = two_cell_experiment();
  for (auto& cell : experiment.cells) cell.settings.device = "cuda";
  auto ids = store.experiments().begin_experiment(experiment, test::four_cpu_machine(), {"a", "b"});
  for (int i = 0; i < 3; ++i) {
    auto run = ok_run(i, false, 10, {2.0 + i, 3.0 + i, 4.0 + i});
    run.report->device_samples_ms = {1.0 + i, 1.5 + i, 2.5 + i};
    run.device_latency = orch::summarize(run.report->device_samples_ms);
    store_run(store, ids.cell_ids[0], run);
  }
  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT GROUP_CONCAT(device_ms) FROM (SELECT device_ms FROM samples s JOIN runs r "
                      "ON r.id = s.run_id WHERE r.run_index = 0 ORDER BY iteration)")
            .getString() == "1.0,1.5,2.5");
  CHECK(db.execAndGet("SELECT device_latency_p50_ms FROM run_phases WHERE run_index = 2").getDouble() == 3.5);
  CHECK(db.execAndGet("SELECT device_latency_p50_ms FROM cell_summary WHERE cell_index = 0").getDouble() == 2.5);
  CHECK(db.execAndGet("SELECT latency_p50_ms FROM cell_summary WHERE cell_index = 0").getDouble() == 4);
  CHECK(db.execAndGet("SELECT device FROM cell_summary WHERE cell_index = 0").getString() == "cuda");

  const auto report = orch::reading_summary(store.history().cell_summary(ids.experiment_id));
  CHECK(shown(report, 0, "gpu p50 ms") == orch::Value(2.5));
}

TEST_CASE("the printed table has no GPU column when nothing ran on a GPU", "[store][gpu]") {
  test::TempDir dir;
  orch::ResultStore store(dir.file("r.db"));
  auto ids = store.experiments().begin_experiment(two_cell_experiment(), test::four_cpu_machine(), {"a", "b"});
  store_run(store, ids.cell_ids[0], ok_run(0, false, 10, {1, 2}));
  const auto report = orch::reading_summary(store.history().cell_summary(ids.experiment_id));
  CHECK_FALSE(has_column(report, "gpu p50 ms"));
  CHECK(has_column(report, "p50 ms"));
  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT COUNT(*) FROM samples WHERE device_ms IS NULL").getInt() == 2);
}

TEST_CASE("the median of an even number of runs is the mean of the middle two", "[store]") {
  test::TempDir dir;
  orch::ResultStore store(dir.file("r.db"));
  auto ids = store.experiments().begin_experiment(two_cell_experiment(), test::four_cpu_machine(), {"a", "b"});
  for (int i = 0; i < 4; ++i) store_run(store, ids.cell_ids[0], ok_run(i, false, 10.0 * (i + 1), {1}));
  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT model_load_ms FROM cell_summary WHERE cell_index = 0").getDouble() == 25);
}

TEST_CASE("runs left 'running' by a dead orchestrator are repaired, then resumed", "[store]") {
  test::TempDir dir;
  auto experiment = two_cell_experiment();
  experiment.matrix_hash = "abc";
  {
    orch::ResultStore store(dir.file("r.db"));
    auto ids = store.experiments().begin_experiment(experiment, test::four_cpu_machine(), {"a", "b"});
    store_run(store, ids.cell_ids[0], ok_run(0, false, 10, {1}));
    store.experiments().begin_run(ids.cell_ids[0], ok_run(1, false, 10, {1}));  // then the orchestrator died
  }
  orch::ResultStore store(dir.file("r.db"));
  test::RecordingObserver observer;
  // another host's runs are not ours to judge
  CHECK(orch::repair_runs_of_dead_orchestrators(store, "otherhost", observer) == 0);
  CHECK(observer.events.empty());
  // pid 0 of the default identity: dead
  CHECK(orch::repair_runs_of_dead_orchestrators(store, "testhost", observer) == 1);
  REQUIRE(observer.all<orch::event::LeftoversRecovered>().size() == 1);
  CHECK(observer.all<orch::event::LeftoversRecovered>()[0].runs_aborted == 1);
  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT status FROM runs WHERE run_index = 1").getString() == "aborted");
  CHECK_THAT(db.execAndGet("SELECT reason FROM runs WHERE run_index = 1").getString(),
             Catch::Contains("stopped without finishing it"));
  CHECK(db.execAndGet("SELECT status FROM experiments").getString() == "interrupted");

  auto other = experiment;
  other.matrix_hash = "def";
  CHECK_FALSE(
      store.experiments().resume(other, orch::OrchestratorIdentity::self()));  // a changed matrix is a new experiment
  auto resumption = store.experiments().resume(experiment, orch::OrchestratorIdentity::self());
  REQUIRE(resumption);
  CHECK(resumption->ids.cell_ids.size() == 2);
  CHECK(resumption->finished == std::set<std::pair<int, int>>{{0, 0}});  // the aborted run goes again
  CHECK(db.execAndGet("SELECT COUNT(*) FROM runs").getInt() == 1);
  CHECK(db.execAndGet("SELECT status FROM experiments").getString() == "running");
  CHECK(db.execAndGet("SELECT COUNT(*) FROM samples").getInt() == 1);  // the finished run is intact
}

TEST_CASE("cell statistics: bootstrap CI, run-to-run CV and first-run-slow from the stored runs", "[store]") {
  test::TempDir dir;
  orch::ResultStore store(dir.file("r.db"));
  auto ids = store.experiments().begin_experiment(two_cell_experiment(), test::four_cpu_machine(), {"a", "b"});
  // model_load stands for the cold start here: the first measured run is 3x the others.
  store_run(store, ids.cell_ids[0], ok_run(0, false, 300, {9}));
  store_run(store, ids.cell_ids[0], ok_run(1, false, 100, {10}));
  store_run(store, ids.cell_ids[0], ok_run(2, false, 100, {11}));
  store_run(store, ids.cell_ids[0], ok_run(3, false, 100, {10}));
  SQLite::Database db(dir.file("r.db"));
  SQLite::Statement row(db,
                        "SELECT latency_p50_ci_low_ms, latency_p50_ci_high_ms, run_to_run_cv, warnings, "
                        "latency_p50_ms FROM cell_summary WHERE cell_index = 0");
  REQUIRE(row.executeStep());
  CHECK(row.getColumn(0).getDouble() >= 9);
  CHECK(row.getColumn(1).getDouble() <= 11);
  CHECK(row.getColumn(0).getDouble() <= row.getColumn(4).getDouble());
  CHECK(row.getColumn(1).getDouble() >= row.getColumn(4).getDouble());
  CHECK(row.getColumn(2).getDouble() == Approx(orch::coefficient_of_variation({9, 10, 11, 10})).epsilon(0.001));
  CHECK(row.getColumn(3).getString() == "few-runs,first-run-slow");  // 4 runs: an interval of 87.5%
  CHECK(db.execAndGet("SELECT latency_p50_ci_low_ms IS NULL FROM cell_summary WHERE cell_index = 1").getInt() == 1);
}

TEST_CASE("medians in cell_summary ignore NULLs instead of counting them", "[store]") {
  test::TempDir dir;
  orch::ResultStore store(dir.file("r.db"));
  auto ids = store.experiments().begin_experiment(two_cell_experiment(), test::four_cpu_machine(), {"a", "b"});
  for (int i = 0; i < 3; ++i) {
    auto run = ok_run(i, false, 10, {1});
    if (i < 2) {  // the third run had no cgroup: no throttling figure at all
      run.evidence.cgroup = orch::CgroupReadings{};
      run.evidence.cgroup->throttled_ms = i == 0 ? 10.0 : 30.0;
    }
    store_run(store, ids.cell_ids[0], run);
  }
  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT throttled_ms FROM cell_summary WHERE cell_index = 0").getDouble() == 20);
}

TEST_CASE("fault: orchestrators that open a new DB at the same moment migrate it once", "[store][faults]") {
  test::TempDir dir;
  const std::string path = dir.file("new.db");
  constexpr int kOpeners = 8;
  std::atomic<int> ready{0};
  std::vector<std::string> errors(kOpeners);
  std::vector<std::thread> openers;
  for (int i = 0; i < kOpeners; ++i)
    openers.emplace_back([&, i] {
      ++ready;
      while (ready < kOpeners) std::this_thread::yield();
      try {
        orch::ResultStore store(path);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  for (auto& opener : openers) opener.join();
  for (const auto& error : errors) CHECK(error == "");
  CHECK(orch::ResultStore(path).schema_version() == orch::ResultStore::latest_schema_version());
}

TEST_CASE("security: a DB whose schema version no orchestrator writes is refused, not touched", "[store][security]") {
  test::TempDir dir;
  SECTION("a negative version") {
    SQLite::Database(dir.file("r.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE).exec("PRAGMA user_version = -7");
    CHECK_THROWS_WITH(orch::ResultStore(dir.file("r.db")),
                      Catch::Contains("has schema version -7, which no orchestrator writes"));
  }
  SECTION("its tables, but version 0") {
    SQLite::Database(dir.file("r.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE)
        .exec("CREATE TABLE runs (id INTEGER PRIMARY KEY)");
    CHECK_THROWS_WITH(orch::ResultStore(dir.file("r.db")),
                      Catch::Contains("has orchestrator tables but schema version 0"));
    CHECK(SQLite::Database(dir.file("r.db")).execAndGet("SELECT COUNT(*) FROM sqlite_master").getInt() == 1);
  }
  SECTION("not an SQLite file at all") {
    dir.write("r.db", std::string(8192, 'z'));
    CHECK_THROWS_WITH(orch::ResultStore(dir.file("r.db")), Catch::Contains("is damaged (file is not a database)"));
  }
}

TEST_CASE("a live orchestrator's running experiment is neither repaired nor resumed by another", "[store][faults]") {
  test::TempDir dir;
  auto experiment = two_cell_experiment();
  experiment.matrix_hash = "abc";
  orch::ResultStore store(dir.file("r.db"));
  orch::HostContext live;
  live.orchestrator = orch::OrchestratorIdentity::self();  // this test process: alive
  auto ids = store.experiments().begin_experiment(experiment, test::four_cpu_machine(), {"a", "b"}, live);
  store.experiments().begin_run(ids.cell_ids[0], ok_run(0, false, 10, {1}));
  test::RecordingObserver observer;
  CHECK(orch::repair_runs_of_dead_orchestrators(store, "testhost", observer) == 0);
  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT status FROM runs").getString() == "running");
  CHECK_FALSE(store.experiments().resume(experiment, orch::OrchestratorIdentity::self()));  // it is not interrupted
  // The same process in another boot is not alive: a reboot ended it.
  orch::HostContext before_reboot = live;
  before_reboot.orchestrator.boot_id = "another-boot";
  auto old_ids = store.experiments().begin_experiment(experiment, test::four_cpu_machine(), {"a", "b"}, before_reboot);
  store.experiments().begin_run(old_ids.cell_ids[0], ok_run(0, false, 10, {1}));
  CHECK(orch::repair_runs_of_dead_orchestrators(store, "testhost", observer) == 1);
  CHECK(db.execAndGet("SELECT GROUP_CONCAT(status) FROM (SELECT status FROM experiments ORDER BY id)").getString() ==
        "running,interrupted");
}

TEST_CASE("a DB of schema 10 is migrated: phase columns filled from phases, cell statistics computed again",
          "[store][migration]") {
  test::TempDir dir;
  const std::string path = dir.file("v10.db");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    for (size_t version = 0; version < 10; ++version) db.exec(orch::schema_migrations()[version]);
    db.exec("PRAGMA user_version = 10");
    db.exec(
        "INSERT INTO experiments (id, name, started_at, matrix_path, matrix_yaml) VALUES (1, 'old', 't', 'm', 'y')");
    db.exec(
        "INSERT INTO cells (id, experiment_id, cell_index, label, launcher, env_json, model_path, input_shape, "
        "warmup_iterations, iterations, device, command_line, latency_p50_ci_low_ms, warnings) "
        "VALUES (1, 1, 0, 'c', 'host', '{}', 'm.pt', '1,3,8,8', 1, 2, 'cpu', 'cmd', 123, 'stale')");
    for (int run = 0; run < 3; ++run) {
      const std::string id = std::to_string(run + 1);
      db.exec(
          "INSERT INTO runs (id, cell_id, run_index, is_warmup, status, started_at, command_line, "
          "latency_p50_ms, effective_quota_percent) VALUES (" +
          id + ", 1, " + std::to_string(run) + ", 0, 'ok', 't', 'c', " + std::to_string(10 + run) + ", 50)");
      db.exec("INSERT INTO phases VALUES (" + id + ", 0, 'model_load', 1, " + std::to_string(100 * (run + 1)) + ")");
    }
  }
  orch::ResultStore store(path);  // a writer stores the statistics a migrated DB lacks
  CHECK(cells_without_statistics(path) == 0);
  SQLite::Database db(path);
  CHECK(db.execAndGet("SELECT GROUP_CONCAT(model_load_ms) FROM run_phases").getString() == "100.0,200.0,300.0");
  CHECK(db.execAndGet("SELECT effective_cpu_quota_percent FROM run_phases WHERE run_id = 1").getDouble() == 50);
  CHECK(db.execAndGet("SELECT effective_quota_percent FROM run_phases WHERE run_id = 1").getDouble() == 50);
  SQLite::Statement summary(db,
                            "SELECT runs, model_load_ms, latency_p50_ms, latency_p50_ci_low_ms, warnings, "
                            "effective_quota_percent FROM cell_summary");
  REQUIRE(summary.executeStep());
  CHECK(summary.getColumn(0).getInt() == 3);
  CHECK(summary.getColumn(1).getDouble() == 200);
  CHECK(summary.getColumn(2).getDouble() == 11);
  CHECK(summary.getColumn(3).getDouble() == 10);          // recomputed from the runs, not the old 123
  CHECK(summary.getColumn(4).getString() == "few-runs");  // nor the old 'stale': 3 runs
  CHECK(summary.getColumn(5).getString() == "50.0");
}

TEST_CASE("a cell's statistics row is stored anew with every change of its runs, so none is stale", "[store]") {
  test::TempDir dir;
  auto experiment = two_cell_experiment();
  experiment.matrix_hash = "abc";
  orch::ResultStore store(dir.file("r.db"));
  auto ids = store.experiments().begin_experiment(experiment, test::four_cpu_machine(), {"a", "b"});
  CHECK(cells_without_statistics(dir.file("r.db")) == 0);  // a row from the start, runs or not
  store_run(store, ids.cell_ids[0], ok_run(0, false, 10, {1}));
  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT latency_p50_ms FROM cell_summary WHERE cell_index = 0").getDouble() == 1);

  const int64_t running =
      store.experiments().begin_run(ids.cell_ids[0], ok_run(1, false, 10, {5}));  // a new run starts
  // The statistics as of the last stored run, never NULL while a run is measured.
  CHECK(db.execAndGet("SELECT latency_p50_ms FROM cell_summary WHERE cell_index = 0").getDouble() == 1);
  CHECK(db.execAndGet("SELECT runs FROM cell_summary WHERE cell_index = 0").getInt() == 2);  // progress shows
  store.experiments().record_run(running, ids.cell_ids[0], ok_run(1, false, 10, {5}));
  CHECK(db.execAndGet("SELECT latency_p50_ms FROM cell_summary WHERE cell_index = 0").getDouble() == 3);

  store.experiments().forget_run(ids.cell_ids[0], 1);
  CHECK(db.execAndGet("SELECT latency_p50_ms FROM cell_summary WHERE cell_index = 0").getDouble() == 1);
  store.experiments().begin_run(ids.cell_ids[1], ok_run(0, false, 10, {1}));  // then the orchestrator died
  test::RecordingObserver observer;
  CHECK(orch::repair_runs_of_dead_orchestrators(store, "testhost", observer) == 1);
  CHECK(cells_without_statistics(dir.file("r.db")) == 0);
  CHECK(db.execAndGet("SELECT failures FROM cell_summary WHERE cell_index = 1").getString() == "aborted");
}

TEST_CASE("every phase of the protocol is stored as its own column of run_phases", "[store]") {
  test::TempDir dir;
  orch::ResultStore store(dir.file("r.db"));
  auto ids = store.experiments().begin_experiment(two_cell_experiment(), test::four_cpu_machine(), {"a", "b"});
  auto run = ok_run(0, false, 10, {1});
  run.report->phases.clear();
  double duration = 1;
  for (const char* name : protocol::phase::kAll) run.report->phases.push_back({name, 0, duration++});
  store_run(store, ids.cell_ids[0], run);
  SQLite::Database db(dir.file("r.db"));
  duration = 1;
  for (const char* name : protocol::phase::kAll)
    CHECK(db.execAndGet(std::string("SELECT ") + name + "_ms FROM run_phases").getDouble() == duration++);
}

TEST_CASE("the views for common questions: cell_trend, run_warnings, cold_vs_warm", "[store]") {
  test::TempDir dir;
  orch::ResultStore store(dir.file("r.db"));
  auto experiment = two_cell_experiment();
  experiment.cells[1].settings.cache = {orch::CachePolicy::Mode::kEvict, 0};
  for (int night = 0; night < 2; ++night) {
    auto ids = store.experiments().begin_experiment(experiment, test::four_cpu_machine(), {"a", "b"});
    auto run = ok_run(0, false, 10, {1.0 + night});
    run.warnings = {"cv", "throttled"};
    store_run(store, ids.cell_ids[0], run);
    store_run(store, ids.cell_ids[1], ok_run(0, false, 10, {2}));
  }
  SQLite::Database db(dir.file("r.db"));
  // The same settings in both experiments: one hash, two nights.
  CHECK(db.execAndGet("SELECT COUNT(DISTINCT settings_hash) FROM cell_trend").getInt() == 2);
  CHECK(db.execAndGet("SELECT GROUP_CONCAT(latency_p50_ms) FROM (SELECT latency_p50_ms FROM cell_trend "
                      "WHERE cell = 'cell 0' ORDER BY experiment_id)")
            .getString() == "1.0,2.0");
  CHECK(
      db.execAndGet("SELECT COUNT(*) FROM run_warnings WHERE level = 'run' AND code IN ('cv', 'throttled')").getInt() ==
      4);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM run_warnings WHERE level = 'cell' AND code = 'few-runs'").getInt() == 4);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM cold_vs_warm WHERE cold = 1").getInt() == 2);
  CHECK(db.execAndGet("SELECT MIN(cache_policy) FROM cold_vs_warm WHERE cold = 1").getString() == "evict");
}

TEST_CASE("experiments are found as latest, previous, an id, or by a baseline's name", "[store]") {
  test::TempDir dir;
  orch::ResultStore store(dir.file("r.db"));
  CHECK_THROWS_WITH(store.experiments().find_experiment("latest"), Catch::Contains("has no experiment 'latest'"));
  for (int i = 0; i < 3; ++i)
    store.experiments().begin_experiment(two_cell_experiment(), test::four_cpu_machine(), {"a", "b"});
  CHECK(store.experiments().find_experiment("latest") == 3);
  CHECK(store.experiments().find_experiment("previous") == 2);
  CHECK(store.experiments().find_experiment("1") == 1);
  CHECK_THROWS_WITH(store.experiments().find_experiment("7"), Catch::Contains("has no experiment '7'"));
  CHECK_THROWS_WITH(store.experiments().find_experiment("1; DROP TABLE runs"), Catch::Contains("is not an experiment"));
  CHECK_THROWS_WITH(store.baselines().find_baseline("release-1"), Catch::Contains("has no baseline 'release-1'"));
  store.baselines().name_baseline("release-1", 2);
  CHECK(store.baselines().find_baseline("release-1") == 2);
  store.baselines().name_baseline("release-1", 1);  // a name moves
  CHECK(store.baselines().find_baseline("release-1") == 1);
}

namespace {

// settings_hash as schema 13 to 18 defined it: FNV-1a over name and text of every
// setting column of that time, NULL as empty text.
std::string hash_before_schema_19(const orch::Columns& row) {
  uint64_t hash = 14695981039346656037ull;
  auto add = [&hash](const std::string& text) {
    for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
    hash = (hash ^ 0xff) * 1099511628211ull;
  };
  for (const auto& name : orch::stored_column_names()) {
    if (name == "min_iterations" || name == "iterations_target_percent") continue;
    add(name);
    add(orch::text_of(orch::value_of(row, name)));
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

}  // namespace

TEST_CASE("a DB of schema 18 is migrated: its cells keep their identity, and new cells of the same settings share it",
          "[store][migration]") {
  test::TempDir dir;
  const std::string path = dir.file("v18.db");
  const auto experiment = two_cell_experiment();
  {
    orch::ResultStore created(path);
    created.experiments().begin_experiment(experiment, test::four_cpu_machine(), {"a", "b"});
    // Back to schema 18: what 019, 020 and 021 added, dropped.
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    for (const char* view : {"cell_summary", "run_phases", "run_hosts", "cell_trend", "run_warnings", "cold_vs_warm"})
      db.exec(std::string("DROP VIEW ") + view);
    for (const char* column :
         {"experiments DROP COLUMN memory_mib", "experiments DROP COLUMN slurm_split", "cells DROP COLUMN replica",
          "runs DROP COLUMN host_id", "runs DROP COLUMN slurm_job_id"})
      db.exec(std::string("ALTER TABLE ") + column);
    db.exec("DROP TABLE slurm_jobs");
    db.exec("DROP TABLE hosts");
    for (const char* column :
         {"experiments DROP COLUMN precision_target_percent", "experiments DROP COLUMN precision_max_runs",
          "experiments DROP COLUMN precision_max_minutes", "cells DROP COLUMN stop_reason",
          "cell_statistics DROP COLUMN variance_within_ms2", "cell_statistics DROP COLUMN variance_between_ms2",
          "cell_statistics DROP COLUMN between_runs_share", "cells DROP COLUMN min_iterations",
          "cells DROP COLUMN iterations_target_percent", "experiments DROP COLUMN calibration",
          "experiments DROP COLUMN drift_share"})
      db.exec(std::string("ALTER TABLE ") + column);
    db.exec("DROP TABLE calibrations");
    db.exec("PRAGMA user_version = 18");
  }
  orch::ResultStore store(path);
  store.experiments().begin_experiment(experiment, test::four_cpu_machine(), {"a", "b"});
  SQLite::Database db(path);
  // The identities of schema 18, by its rule, before and after.
  for (int cell = 0; cell < 2; ++cell) {
    orch::Columns columns = orch::stored_columns(experiment.cells[static_cast<size_t>(cell)].settings);
    const std::string expected = hash_before_schema_19(columns);
    CHECK(db.execAndGet("SELECT GROUP_CONCAT(settings_hash) FROM cells WHERE cell_index = " + std::to_string(cell))
              .getString() == expected + "," + expected);
  }
  // iterations: auto makes another identity than a fixed count of the same most.
  auto adaptive = two_cell_experiment();
  adaptive.cells[0].settings.iterations_auto = true;
  adaptive.cells[0].settings.min_iterations = 20;
  adaptive.cells[0].settings.iterations_target_percent = 2;
  store.experiments().begin_experiment(adaptive, test::four_cpu_machine(), {"a", "b"});
  CHECK(db.execAndGet("SELECT COUNT(DISTINCT settings_hash) FROM cells").getInt() == 3);
}

TEST_CASE("runs.sequence is stored with every finished run, and a migration numbers the runs that lost it",
          "[store][migration]") {
  test::TempDir dir;
  {
    orch::ResultStore store(dir.file("r.db"));
    const auto ids = store.experiments().begin_experiment(two_cell_experiment(), test::four_cpu_machine(), {"a", "b"});
    for (int i = 0; i < 3; ++i) {
      auto run = ok_run(i, false, 10, {1, 2, 3});
      run.sequence = 10 + i;  // the runner's numbers, as they are
      store_run(store, ids.cell_ids[static_cast<size_t>(i % 2)], run);
    }
  }
  {
    SQLite::Database db(dir.file("r.db"), SQLite::OPEN_READWRITE);
    CHECK(db.execAndGet("SELECT GROUP_CONCAT(sequence) FROM (SELECT sequence FROM runs ORDER BY id)").getString() ==
          "10,11,12");
    // A DB of before the fix: its finished runs have none, at schema version 21.
    db.exec("UPDATE runs SET sequence = NULL");
    db.exec("UPDATE runs SET started_at = '2026-11-23T00:00:0' || (3 - id) || '.000Z'");  // the last started first
    db.exec("PRAGMA user_version = 21");
  }
  orch::ResultStore upgraded(dir.file("r.db"));
  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT GROUP_CONCAT(sequence) FROM (SELECT sequence FROM runs ORDER BY id)").getString() ==
        "3,2,1");  // numbered by when each started
  // Schema 23's statistics (the pooled tail) stored anew for every cell.
  CHECK(cells_without_statistics(dir.file("r.db")) == 0);
  CHECK(db.execAndGet("SELECT latency_p99_ms FROM cell_statistics s JOIN cells c ON c.id = s.cell_id "
                      "WHERE c.cell_index = 1")
            .getDouble() == Approx(2.98));  // its one run of samples 1, 2, 3: their 99th percentile
}

TEST_CASE("run_warnings has a row for each run its cell names an outlier", "[store]") {
  test::TempDir dir;
  orch::ResultStore store(dir.file("r.db"));
  const auto ids = store.experiments().begin_experiment(two_cell_experiment(), test::four_cpu_machine(), {"a", "b"});
  const std::vector<double> p50s = {10.0, 10.2, 9.9, 10.1, 14.0};  // the fifth is far off
  for (size_t i = 0; i < p50s.size(); ++i)
    store_run(store, ids.cell_ids[0], ok_run(static_cast<int>(i), false, 10, {p50s[i]}));
  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT outlier_runs FROM cell_summary WHERE cell_index = 0").getString() == "4");
  CHECK(db.execAndGet("SELECT GROUP_CONCAT(level || ':' || run_index) FROM run_warnings WHERE code = 'outlier-run'")
            .getString() == "run:4");
}

TEST_CASE("a repair judged before another orchestrator resumed the experiment leaves it alone", "[store][faults]") {
  test::TempDir dir;
  auto experiment = two_cell_experiment();
  experiment.matrix_hash = "abc";
  orch::ResultStore store(dir.file("r.db"));
  const auto ids = store.experiments().begin_experiment(experiment, test::four_cpu_machine(), {"a", "b"});
  store.experiments().begin_run(ids.cell_ids[0], ok_run(0, false, 10, {1}));  // its orchestrator (pid 0) died
  const auto judged = store.experiments().running_experiments("testhost");    // one collect judges it dead...
  REQUIRE(judged.size() == 1);
  REQUIRE(store.experiments().repair(judged) == 1);                                     // ...another repairs it first,
  REQUIRE(store.experiments().resume(experiment, orch::OrchestratorIdentity::self()));  // and resumes it
  const int64_t running = store.experiments().begin_run(ids.cell_ids[0], ok_run(0, false, 10, {1}));
  CHECK(store.experiments().repair(judged) == 0);  // the first one's stale verdict changes nothing
  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT status FROM experiments").getString() == "running");
  CHECK(db.execAndGet("SELECT status FROM runs WHERE id = " + std::to_string(running)).getString() == "running");
}

// The fault suite: each way a night can go wrong, against the real orchestrator
// binary. Every case checks the stored status and that what had finished is intact.
// (The docker cases live in tests/docker/docker_faults_test.sh.)
#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "common/clock.h"
#include "e2e/e2e_support.h"
#include "matrix/matrix.h"
#include "process/supervisor.h"
#include "run/run_order.h"
#include "test_support.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using e2e::alive;
using e2e::await;
using e2e::leftover_cgroups;
using e2e::Orchestrator;
using e2e::query;
using e2e::read_pid;
using e2e::require_root_cgroups;
using e2e::run;

// A worker that misbehaves as the cell's FAULT variable says, else is the real one.
std::string faulty_worker(const test::TempDir& dir) {
  const std::string path = dir.write("faulty_worker.sh", R"sh(#!/bin/sh
result=
for arg; do [ "$prev" = --result ] && result=$arg; prev=$arg; done
case "${FAULT:-}" in
  segv) kill -SEGV $$ ;;
  hang) sleep 600 & echo $! > "$FAULT_DIR/grandchild.pid"; wait ;;
  hang-once) if [ ! -e "$FAULT_DIR/hung" ]; then touch "$FAULT_DIR/hung"; sleep 600; fi ;;
  hang-second-once) echo x >> "$FAULT_DIR/calls"
    if [ "$(wc -l < "$FAULT_DIR/calls")" -eq 2 ]; then touch "$FAULT_DIR/hung"; sleep 600; fi ;;
  garbage) printf 'Segmentation fault (core dumped)\n{{{' > "$result"; exit 0 ;;
esac
exec )sh" + test::bin("bench_worker") + R"sh( "$@"
)sh");
  chmod(path.c_str(), 0755);
  return path;
}

// Cell by cell (order: sequential), so that a case knows what ran before the cell it
// breaks; the last case breaks runs in the other orders.
std::string matrix(const test::TempDir& dir, const std::string& cells, const std::string& extra = "",
                   int iterations = 20, const std::string& order = "sequential") {
  return dir.write("m.yaml", "name: faults\nruns: 2\nwarmup_runs: 0\ntimeout_s: 5\norder: " + order + "\n" + extra +
                                 "worker:\n  program: " + faulty_worker(dir) +
                                 "\n  model: " + test::model("tiny_cnn.pt") + "\n  input_shape: [1, 3, 32, 32]\n" +
                                 "  warmup_iterations: 2\n  iterations: " + std::to_string(iterations) +
                                 "\nmatrix:\n  cells:\n" + cells);
}

std::string fault_env(const test::TempDir& dir, const std::string& fault) {
  return "{FAULT: " + fault + ", FAULT_DIR: " + dir.path().string() + "}";
}

// How many ok runs are complete: all their samples and all 7 phases.
std::string intact_runs(int iterations = 20) {
  const std::string n = std::to_string(iterations);
  return "SELECT COUNT(*) FROM run_phases r WHERE status = 'ok' AND latency_n = " + n +
         " AND (SELECT COUNT(*) FROM samples s WHERE s.run_id = r.run_id) = " + n +
         " AND (SELECT COUNT(*) FROM phases p WHERE p.run_id = r.run_id) = 7";
}

}  // namespace

TEST_CASE("fault: crash, hang, garbage report -- each stored with its reason, the matrix goes on", "[faults]") {
  test::TempDir dir;
  const auto m = matrix(dir,
                        "    - {label: first, env: {}}\n"
                        "    - {label: segv, env: " +
                            fault_env(dir, "segv") +
                            "}\n"
                            "    - {label: hang, env: " +
                            fault_env(dir, "hang") +
                            "}\n"
                            "    - {label: garbage, env: " +
                            fault_env(dir, "garbage") +
                            "}\n"
                            "    - {label: last, env: {}}\n");
  const auto db = dir.file("r.db");
  CHECK(run({"run", m, "--db", db, "--lock", dir.file("lock")}) == 3);
  auto outcome_of = [&](const std::string& cell) {
    return query(db,
                 "SELECT GROUP_CONCAT(DISTINCT status || ': ' || substr(reason, 1, 40)) FROM run_phases "
                 "WHERE cell = '" +
                     cell + "'");
  };
  CHECK(outcome_of("segv") == "crashed: killed by SIGSEGV");
  CHECK(outcome_of("hang") == "timeout: still running after timeout_s = 5 s; its");
  CHECK(outcome_of("garbage") == "bad_result: bad report: not valid JSON (at byte 1)");  // its bytes not echoed
  CHECK_FALSE(alive(read_pid(dir.path() / "grandchild.pid")));  // the hung worker's whole tree died
  CHECK(query(db, intact_runs()) == "4");                       // first and last cells, 2 runs each
  CHECK(query(db, "SELECT status FROM experiments") == "finished");
}

TEST_CASE("fault: SIGTERM to the orchestrator kills the worker, removes its cgroup, exits 130", "[faults][root]") {
  require_root_cgroups();
  test::TempDir dir;
  const auto m = matrix(dir,
                        "    - {label: first, launcher: cgroup, memory: 1G, env: {}}\n"
                        "    - {label: hang, launcher: cgroup, memory: 1G, env: " +
                            fault_env(dir, "hang") + "}\n",
                        "", 20);
  const auto db = dir.file("r.db");
  Orchestrator orchestrator({"run", m, "--db", db, "--lock", dir.file("lock")});
  REQUIRE(await(db, "SELECT COUNT(*) FROM runs WHERE status = 'running' AND run_index = 0 AND cell_id = 2", "1"));
  while (!fs::exists(dir.path() / "grandchild.pid")) std::this_thread::sleep_for(20ms);
  orchestrator.signal(SIGTERM);
  CHECK(orchestrator.wait() == 130);
  CHECK(query(db, "SELECT status || ': ' || reason FROM run_phases WHERE cell = 'hang'") ==
        "aborted: orchestrator received SIGTERM");
  CHECK(query(db, "SELECT status FROM experiments") == "interrupted");
  CHECK(query(db, intact_runs()) == "2");
  CHECK_FALSE(alive(read_pid(dir.path() / "grandchild.pid")));
  CHECK(leftover_cgroups().empty());
}

TEST_CASE("fault: SIGKILL to the orchestrator, then the next run repairs and --resume completes", "[faults][root]") {
  require_root_cgroups();
  test::TempDir dir;
  const auto m = matrix(dir,
                        "    - {label: first, launcher: cgroup, memory: 1G, env: {}}\n"
                        "    - {label: stuck, launcher: cgroup, memory: 1G, env: " +
                            fault_env(dir, "hang-once") +
                            "}\n"
                            "    - {label: last, launcher: cgroup, memory: 1G, env: {}}\n",
                        "", 20);
  const auto db = dir.file("r.db");
  {
    Orchestrator orchestrator({"run", m, "--db", db, "--lock", dir.file("lock")});
    REQUIRE(await(db, "SELECT COUNT(*) FROM runs WHERE status = 'running' AND cell_id = 2", "1"));
    while (!fs::exists(dir.path() / "hung")) std::this_thread::sleep_for(20ms);
    orchestrator.signal(SIGKILL);
    CHECK(orchestrator.wait() == 128 + SIGKILL);
  }
  CHECK(query(db, "SELECT status FROM runs WHERE cell_id = 2") == "running");
  CHECK_FALSE(leftover_cgroups().empty());  // its session, with the stuck worker inside

  CHECK(run({"run", m, "--db", db, "--lock", dir.file("lock"), "--resume"}) == 0);
  CHECK(query(db, "SELECT COUNT(*) FROM experiments") == "1");
  CHECK(query(db, "SELECT status FROM experiments") == "finished");
  CHECK(query(db, intact_runs()) == "6");  // the 2 stored before, the aborted one again, the rest
  CHECK(query(db, "SELECT COUNT(*) FROM runs WHERE cell_id = 1 AND id IN (1, 2)") == "2");  // kept, not rerun
  CHECK(leftover_cgroups().empty());
}

TEST_CASE("fault: two concurrent runs never measure at the same time", "[faults]") {
  test::TempDir dir;
  const auto m = matrix(dir, "    - {label: only, env: {}}\n", "", 20000);
  const auto lock = dir.file("lock");
  Orchestrator first({"run", m, "--db", dir.file("a.db"), "--lock", lock});
  REQUIRE(await(dir.file("a.db"), "SELECT COUNT(*) FROM runs", "1"));
  // A second run that will not wait gives up at once with exit code 4.
  Orchestrator impatient({"run", m, "--db", dir.file("b.db"), "--lock", lock, "--lock-wait", "0"});
  CHECK(impatient.wait() == 4);
  CHECK_FALSE(fs::exists(dir.file("b.db")));
  // One that waits starts measuring only after the first has finished.
  CHECK(run({"run", m, "--db", dir.file("c.db"), "--lock", lock, "--lock-wait", "120"}) == 0);
  CHECK(first.wait() == 0);
  CHECK(query(dir.file("a.db"), "SELECT finished_at FROM experiments") <
        query(dir.file("c.db"), "SELECT MIN(started_at) FROM runs"));
}

TEST_CASE("fault: a reader holding the DB only delays storing (busy timeout)", "[faults]") {
  test::TempDir dir;
  const auto m = matrix(dir, "    - {label: only, env: {}}\n");
  const auto db = dir.file("r.db");
  REQUIRE(run({"run", m, "--db", db, "--lock", dir.file("lock")}) == 0);
  SQLite::Database holder(db, SQLite::OPEN_READWRITE);
  holder.exec("BEGIN EXCLUSIVE");
  std::thread release([&] {
    std::this_thread::sleep_for(2s);
    holder.exec("COMMIT");
  });
  const auto started = std::chrono::steady_clock::now();
  CHECK(run({"run", m, "--db", db, "--lock", dir.file("lock")}) == 0);
  release.join();
  CHECK(std::chrono::steady_clock::now() - started > 1900ms);
  CHECK(query(db, intact_runs()) == "4");
}

TEST_CASE("fault: a full disk is a clear error and a non-zero exit, finished runs stay", "[faults][root]") {
  if (geteuid() != 0) test::skip("needs root to mount a small tmpfs");
  test::TempDir dir;
  const fs::path small = dir.path() / "small";
  fs::create_directory(small);
  REQUIRE(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=600k,mode=0700") == 0);
  struct Unmount {
    fs::path path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{small};
  const auto m = matrix(dir, "    - {label: only, env: {}}\n", "runs: 50\n", 2000);
  std::string text;
  {
    std::ifstream in(m);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text.replace(text.find("runs: 2\n"), 8, "");
  const auto db = (small / "r.db").string();
  auto outcome = orch::run_process(
      {test::orchestrator_argv({"run", dir.write("full.yaml", text), "--db", db, "--lock", dir.file("lock")}),
       {},
       300});
  CHECK(outcome.exit_code == 1);
  CHECK_THAT(outcome.stderr_tail, Catch::Contains("cannot store a run in " + db) && Catch::Contains("full"));
  const int stored = std::stoi(query(db, "SELECT COUNT(*) FROM runs WHERE status = 'ok'"));
  CHECK(stored > 0);
  CHECK(stored < 50);
  CHECK(query(db, intact_runs(2000)) == std::to_string(stored));
}

TEST_CASE("fault: after a SIGKILL in a measured run, --resume warms the cell up again first", "[faults]") {
  test::TempDir dir;
  std::string text;
  {
    std::ifstream in(matrix(dir,
                            "    - {label: first, env: {}}\n"
                            "    - {label: stuck, env: " +
                                fault_env(dir, "hang-second-once") + "}\n"));
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  text.replace(text.find("warmup_runs: 0"), 14, "warmup_runs: 1");
  const auto m = dir.write("warm.yaml", text);
  const auto db = dir.file("r.db");
  {
    Orchestrator orchestrator({"run", m, "--db", db, "--lock", dir.file("lock")});
    while (!fs::exists(dir.path() / "hung")) std::this_thread::sleep_for(20ms);  // in stuck's first measured run
    orchestrator.signal(SIGKILL);
    orchestrator.wait();
  }
  const std::string killed_at = orch::utc_timestamp();
  CHECK(run({"run", m, "--db", db, "--lock", dir.file("lock"), "--resume"}) == 0);
  // stuck's warm-up ran again after the interruption, before its measured runs.
  CHECK(query(db,
              "SELECT COUNT(*) FROM run_phases WHERE cell = 'stuck' AND is_warmup = 1 AND status = 'ok' "
              "AND started_at > '" +
                  killed_at + "'") == "1");
  CHECK(query(db, "SELECT COUNT(*) FROM run_phases WHERE cell = 'first' AND run_id <= 3") == "3");  // kept
  CHECK(query(db, intact_runs()) == "6");
}

TEST_CASE("fault: SIGKILL mid-run in interleaved and random order, then --resume completes in that order", "[faults]") {
  for (const std::string order : {"interleaved", "random\norder_seed: 7"}) {
    INFO("order: " << order);
    test::TempDir dir;
    std::string text;
    {
      std::ifstream in(matrix(dir,
                              "    - {label: first, env: {}}\n"
                              "    - {label: stuck, env: " +
                                  fault_env(dir, "hang-second-once") +
                                  "}\n"
                                  "    - {label: last, env: {}}\n",
                              "", 20, order));
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
    text.replace(text.find("warmup_runs: 0"), 14, "warmup_runs: 1");
    text.replace(text.find("timeout_s: 5\n"), 13,
                 "timeout_s: 120\n");  // a loaded machine's cold start is no fault here
    const auto m = dir.write("order.yaml", text);
    const auto db = dir.file("r.db");
    // The runs in their stored order, "cell.run" (0-based).
    const std::string executed =
        "SELECT GROUP_CONCAT(cell_index || '.' || run_index, ' ') FROM (SELECT cell_index, run_index FROM run_phases "
        "ORDER BY sequence)";
    const auto schedule =
        orch::schedule_runs(orch::parse_experiment(text, m, test::four_cpu_machine(), test::bin("bench_worker")), 7);
    std::vector<std::string> planned;
    for (const auto& run : schedule)
      planned.push_back(std::to_string(run.cell_index) + "." + std::to_string(run.run_index));
    {
      Orchestrator orchestrator({"run", m, "--db", db, "--lock", dir.file("lock")});
      while (!fs::exists(dir.path() / "hung")) std::this_thread::sleep_for(20ms);  // in stuck's second run
      orchestrator.signal(SIGKILL);
      orchestrator.wait();
    }
    // What ran before the kill is the order's beginning, up to stuck's second run.
    std::string prefix;
    for (const auto& run : planned) {
      prefix += (prefix.empty() ? "" : " ") + run;
      if (run == "1.1") break;
    }
    CHECK(query(db, executed) == prefix);
    const std::string kept_before = query(db, "SELECT COALESCE(MAX(sequence), 0) FROM runs WHERE status = 'ok'");
    CHECK(run({"run", m, "--db", db, "--lock", dir.file("lock"), "--resume"}) == 0);
    CHECK(query(db, "SELECT status FROM experiments") == "finished");
    CHECK(query(db, "SELECT COUNT(*) FROM runs WHERE status = 'ok'") == "9");
    CHECK(query(db, "SELECT COUNT(DISTINCT cell_id || '.' || run_index) FROM runs") == "9");
    // The resumed runs come in the order's own order (warm-ups of cells with runs left first).
    const std::string resumed = query(db,
                                      "SELECT GROUP_CONCAT(cell_index || '.' || run_index, ' ') FROM (SELECT "
                                      "cell_index, run_index FROM run_phases WHERE sequence > " +
                                          kept_before + " ORDER BY sequence)");
    std::istringstream words(resumed);
    size_t at = 0;
    for (std::string word; words >> word;) {
      while (at < planned.size() && planned[at] != word) ++at;
      CHECK(at < planned.size());  // else out of the order
    }
    CHECK(query(db, "SELECT run_order FROM experiments") == order.substr(0, order.find('\n')));
  }
}

// The orchestrator binary, end to end: real worker processes running a small
// TorchScript model into a temporary DB.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "e2e/e2e_support.h"
#include "launch/cgroups/cgroup.h"
#include "process/supervisor.h"
#include "test_support.h"

namespace {

orch::ProcessOutcome orchestrator(const std::vector<std::string>& args) {
  return orch::run_process({test::orchestrator_argv(args), {}, 300});
}

std::string tiny_matrix(const std::string& extra_top = "", const std::string& matrix =
                                                               "  placement:\n"
                                                               "    - {launcher: host}\n"
                                                               "    - {launcher: taskset, cpuset: \"0\"}\n"
                                                               "  env:\n"
                                                               "    - {OMP_NUM_THREADS: \"2\"}\n") {
  return "name: e2e\nruns: 2\nwarmup_runs: 1\n" + extra_top + "worker:\n  model: " + test::model("tiny_cnn.pt") +
         "\n  input_shape: [1, 3, 32, 32]\n  warmup_iterations: 3\n  iterations: 20\nmatrix:\n" + matrix;
}

}  // namespace

TEST_CASE("run stores every phase, every sample and the settings in effect", "[e2e]") {
  test::TempDir dir;
  const auto matrix = dir.write("m.yaml", tiny_matrix());
  const auto db_path = dir.file("results.db");
  auto outcome = orchestrator({"run", matrix, "--db", db_path});
  INFO(outcome.stderr_tail);
  REQUIRE(outcome.exit_code == 0);
  CHECK_THAT(outcome.stdout_tail, Catch::Contains("taskset cpuset=0, OMP_NUM_THREADS=2"));

  SQLite::Database db(db_path);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM runs").getInt() == 2 * 3);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM runs WHERE status = 'ok'").getInt() == 6);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM runs WHERE is_warmup = 1").getInt() == 2);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM samples").getInt() == 6 * 20);
  CHECK(db.execAndGet("SELECT COUNT(DISTINCT name) FROM phases").getInt() == 7);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM phases").getInt() == 6 * 7);
  // Phases follow each other on the spawn-relative monotonic clock.
  CHECK(db.execAndGet("SELECT COUNT(*) FROM phases a JOIN phases b ON a.run_id = b.run_id "
                      "AND b.seq = a.seq + 1 WHERE b.start_ms < a.start_ms + a.duration_ms - 1e-6")
            .getInt() == 0);
  CHECK(db.execAndGet("SELECT MIN(process_start_ms) > 0 AND MIN(model_load_ms) > 0 FROM run_phases").getInt() == 1);

  // What was in effect, as the worker saw it.
  CHECK(db.execAndGet("SELECT effective_cpus FROM run_phases WHERE cell_index = 1 LIMIT 1").getString() == "0");
  CHECK(db.execAndGet("SELECT intra_op_threads FROM cell_summary WHERE cell_index = 0").getString() == "2");
  CHECK(db.execAndGet("SELECT thread_env_json FROM runs LIMIT 1").getString() == R"({"OMP_NUM_THREADS":"2"})");
  CHECK_THAT(db.execAndGet("SELECT blas_libraries FROM runs LIMIT 1").getString(), Catch::Contains("blas"));
  CHECK(db.execAndGet("SELECT runs_ok FROM cell_summary WHERE cell_index = 1").getInt() == 2);
  CHECK(db.execAndGet("SELECT latency_p50_ms > 0 FROM cell_summary WHERE cell_index = 1").getInt() == 1);
}

TEST_CASE("validate names the line of a misspelled key and exits non-zero", "[e2e]") {
  test::TempDir dir;
  const auto matrix = dir.write("typo.yaml", tiny_matrix("timout_s: 5\n"));
  auto outcome = orchestrator({"validate", matrix});
  CHECK(outcome.exit_code == 1);
  CHECK_THAT(outcome.stderr_tail,
             Catch::Contains("typo.yaml:4:1: unknown key 'timout_s' in top level; did you mean 'timeout_s'?"));
}

TEST_CASE("validate and plan warn before the night of threads above a cell's CPUs or quota, and still pass it",
          "[e2e]") {
  test::TempDir dir;
  const auto matrix = dir.write("over.yaml", "name: over\nworker:\n  model: " + test::model("tiny_cnn.pt") +
                                                 "\n  input_shape: [1, 3, 32, 32]\nmatrix:\n  cells:\n"
                                                 "    - {label: pinned, launcher: taskset, cpuset: \"0\", "
                                                 "torch_threads: {intra_op: 4, inter_op: 1}}\n"
                                                 "    - {label: capped, launcher: cgroup, cpu_quota: 100%, "
                                                 "env: {OMP_NUM_THREADS: \"2\"}}\n"
                                                 "    - {label: fits, launcher: taskset, cpuset: \"0-1\", "
                                                 "torch_threads: {intra_op: 2, inter_op: 1}}\n");
  for (const char* command : {"validate", "plan"}) {
    INFO(command);
    auto outcome = orchestrator({command, matrix});
    CHECK(outcome.exit_code == 0);  // a warning: it may be asked for on purpose
    CHECK_THAT(outcome.stderr_tail, Catch::Contains("over.yaml:") &&
                                        Catch::Contains("cell 1 [pinned]: 4 intra-op threads on 1 CPU (cpuset): "
                                                        "every run will be oversubscribed"));
    CHECK_THAT(outcome.stderr_tail,
               Catch::Contains("cell 2 [capped]: 2 intra-op threads on a quota of 100%: every run will be "
                               "oversubscribed"));
    CHECK_THAT(outcome.stderr_tail, !Catch::Contains("[fits]"));
  }
}

TEST_CASE("a device this LibTorch cannot use is refused by validate", "[e2e]") {
  test::TempDir dir;
  std::string text = tiny_matrix();
  text.replace(text.find("worker:\n"), 8, "worker:\n  device: cuda\n");
  auto outcome = orchestrator({"validate", dir.write("gpu.yaml", text)});
  CHECK(outcome.exit_code == 1);
  CHECK_THAT(outcome.stderr_tail,
             Catch::Contains("gpu.yaml:5:11: device: device 'cuda' requested but cuda not available"));
}

TEST_CASE("doctor says what each launcher, cache policy and the GPU can do here", "[e2e]") {
  auto outcome = orchestrator({"doctor"});
  CHECK(outcome.exit_code == 0);
  for (const char* name : {"host", "taskset", "cgroup", "unshare", "systemd-run", "docker"})
    CHECK_THAT(outcome.stdout_tail, Catch::Contains("\n" + std::string(name) + ": "));
  CHECK_THAT(outcome.stdout_tail, Catch::Contains("cache evict: usable"));
  CHECK_THAT(outcome.stdout_tail,
             Catch::Contains(geteuid() == 0 ? "cache drop: usable" : "cache drop: unusable: cache: drop needs root"));
  // The GPU line agrees with the worker's own probe of this machine.
  const auto probe = orch::run_process({{test::bin("bench_worker"), "--probe-device", "cuda"}, {}, 60});
  if (probe.exit_code == 0) {
    CHECK_THAT(outcome.stdout_tail, Catch::Contains("device cuda: usable"));
  } else {
    CHECK_THAT(probe.stdout_tail + probe.stderr_tail, Catch::Contains("cuda not available"));
    CHECK_THAT(outcome.stdout_tail,
               Catch::Contains("device cuda: unusable: device 'cuda' requested but cuda not available"));
  }
  // Slurm only where it is set up (or --partition asks): one line, none of its tools' errors.
  const char* conf = std::getenv("SLURM_CONF");
  if ((!conf || !*conf) && !std::filesystem::exists("/etc/slurm/slurm.conf")) {
    CHECK_THAT(outcome.stdout_tail, Catch::Contains("\nslurm: not set up here"));
    CHECK_THAT(outcome.stdout_tail, !Catch::Contains("sbatch"));
  }
}

TEST_CASE("invalid input launches nothing and leaves no DB", "[e2e]") {
  test::TempDir dir;
  const auto matrix = dir.write("bad.yaml", tiny_matrix("", "  cpuset: [\"0\", \"4096\"]\n"));
  auto outcome = orchestrator({"run", matrix, "--db", dir.file("results.db")});
  CHECK(outcome.exit_code == 1);
  CHECK_THAT(outcome.stderr_tail, Catch::Contains("bad.yaml:10:17: cpuset: CPU 4096 does not exist"));
  CHECK_FALSE(std::filesystem::exists(dir.file("results.db")));
}

TEST_CASE("plan prints each cell's exact command and launches nothing", "[e2e]") {
  test::TempDir dir;
  const auto matrix = dir.write("m.yaml", tiny_matrix());
  auto outcome = orchestrator({"plan", matrix});
  CHECK(outcome.exit_code == 0);
  CHECK_THAT(outcome.stdout_tail, Catch::Contains("2 cells x (1 warm-up + 2 measured)"));
  CHECK_THAT(outcome.stdout_tail, Catch::Contains("command: /usr/bin/taskset -c 0 " + test::bin("bench_worker")));
  CHECK_THAT(outcome.stdout_tail, Catch::Contains("env: OMP_NUM_THREADS=2"));
  CHECK_THAT(outcome.stdout_tail, Catch::Contains("launcher: taskset\n  settings: cpuset=0, program=bench_worker, "
                                                  "model=tiny_cnn.pt, input_shape=1x3x32x32"));
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);
}

TEST_CASE("hung and broken workers are stored with their reason and the matrix goes on", "[e2e]") {
  test::TempDir dir;
  SECTION("a timeout on every run") {
    const auto matrix = dir.write("m.yaml", tiny_matrix("timeout_s: 0.05\n"));
    auto outcome = orchestrator({"run", matrix, "--db", dir.file("r.db")});
    CHECK(outcome.exit_code == 3);
    SQLite::Database db(dir.file("r.db"));
    CHECK(db.execAndGet("SELECT COUNT(*) FROM runs WHERE status = 'timeout'").getInt() == 6);
    CHECK_THAT(db.execAndGet("SELECT reason FROM runs LIMIT 1").getString(),
               Catch::StartsWith("still running after timeout_s = 0.05 s"));
  }
  SECTION("a corrupt model file") {
    const auto model = dir.write("corrupt.pt", "this is not a TorchScript archive");
    std::string text = tiny_matrix();
    text.replace(text.find(test::model("tiny_cnn.pt")), test::model("tiny_cnn.pt").size(), model);
    auto outcome = orchestrator({"run", dir.write("m.yaml", text), "--db", dir.file("r.db")});
    CHECK(outcome.exit_code == 3);
    SQLite::Database db(dir.file("r.db"));
    CHECK(db.execAndGet("SELECT COUNT(*) FROM runs WHERE status = 'error'").getInt() == 6);
    CHECK_THAT(db.execAndGet("SELECT reason FROM runs LIMIT 1").getString(), Catch::StartsWith("model_load: "));
  }
  SECTION("a worker that writes a truncated report") {
    const auto worker = dir.write("worker.sh",
                                  "#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = --result ] && out=$2; shift; done\n"
                                  "printf '{\"protocol_version\":1,\"status\":\"ok\",\"phases\":[' > \"$out\"\n");
    chmod(worker.c_str(), 0755);
    std::string text = tiny_matrix();
    text.replace(text.find("worker:\n"), 8, "worker:\n  program: worker.sh\n");
    auto outcome = orchestrator({"run", dir.write("m.yaml", text), "--db", dir.file("r.db")});
    CHECK(outcome.exit_code == 3);
    SQLite::Database db(dir.file("r.db"));
    CHECK(db.execAndGet("SELECT COUNT(*) FROM runs WHERE status = 'bad_result'").getInt() == 6);
  }
}

namespace {

void require_cgroups() {
  if (geteuid() != 0) test::skip("needs root for cgroups and unshare --pid");
  auto cgroups = orch::detect_cgroups();
  if (cgroups->unusable_reason()) test::skip("cgroups unusable here: " + *cgroups->unusable_reason());
}

}  // namespace

TEST_CASE("limits are applied, verified from inside and accounted from outside", "[e2e][root]") {
  require_cgroups();
  test::TempDir dir;
  const auto matrix = dir.write("m.yaml", tiny_matrix("", R"(  isolation:
    - {launcher: cgroup, cpu_quota: 20%, memory: 1G}
    - {launcher: unshare, cpuset: "0", namespaces: [net]}
    - {launcher: cgroup, memory: 8M}
)"));
  auto outcome = orchestrator({"run", matrix, "--db", dir.file("r.db")});
  INFO(outcome.stderr_tail);
  CHECK(outcome.exit_code == 3);  // the 8M cell cannot succeed
  SQLite::Database db(dir.file("r.db"));
  auto value = [&](const std::string& sql) { return db.execAndGet(sql).getString(); };
  // Quota: in effect inside the worker, throttled outside.
  CHECK(value("SELECT COUNT(*) FROM runs JOIN cells ON cells.id = cell_id WHERE cell_index = 0 "
              "AND status = 'ok' AND effective_cpu_quota_percent = 20 AND nr_throttled > 0 AND throttled_ms > 0 "
              "AND effective_memory_limit_bytes = 1073741824 AND limits_mismatch IS NULL") == "3");
  // The same limits, read by the orchestrator from the run's cgroup, are stored beside them.
  CHECK(value("SELECT COUNT(*) FROM run_phases WHERE cell_index = 0 AND outside_cpu_quota_percent = 20 "
              "AND outside_memory_limit_bytes = 1073741824") == "3");
  // unshare: the worker is PID 1 of its namespace, pinned to CPU 0, inside a run cgroup.
  CHECK(value("SELECT GROUP_CONCAT(DISTINCT worker_pid) || ' ' || GROUP_CONCAT(DISTINCT effective_cpus) "
              "FROM run_phases WHERE cell_index = 1") == "1 0");
  CHECK(value("SELECT COUNT(*) FROM runs JOIN cells ON cells.id = cell_id WHERE cell_index = 1 "
              "AND run_cgroup LIKE '/orchestrator-%'") == "3");
  // 8M: every run killed by the OOM killer, recorded as such, and the matrix went on.
  CHECK(value("SELECT GROUP_CONCAT(DISTINCT status) FROM run_phases WHERE cell_index = 2") == "oom");
  CHECK(value("SELECT MIN(oom_kills) >= 1 FROM run_phases WHERE cell_index = 2") == "1");
  CHECK(value("SELECT failures FROM cell_summary WHERE cell_index = 2") == "oom");
  // Nothing of ours is left in any hierarchy.
  CHECK(e2e::leftover_cgroups().empty());
}

TEST_CASE("workers run as worker.user while the orchestrator keeps root", "[e2e][root]") {
  require_cgroups();
  test::TempDir dir;
  chmod(dir.path().c_str(), 0755);
  std::string text = tiny_matrix("", "  launcher: [host, cgroup, unshare]\n");
  text.replace(text.find("worker:\n"), 8, "worker:\n  user: nobody\n");
  auto outcome = orchestrator({"run", dir.write("m.yaml", text), "--db", dir.file("r.db")});
  INFO(outcome.stderr_tail);
  CHECK(outcome.exit_code == 0);
  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT GROUP_CONCAT(DISTINCT worker_uid) FROM runs").getString() == "65534");
  CHECK(db.execAndGet("SELECT COUNT(*) FROM runs WHERE status = 'ok'").getInt() == 9);
}

TEST_CASE("cache drop makes library and model load cold, residency and major faults show why",
          "[.][page-cache-drop][e2e][root]") {
  if (geteuid() != 0) test::skip("cache: drop needs root");
  test::TempDir dir;
  auto outcome = orchestrator(
      {"run", dir.write("m.yaml", tiny_matrix("", "  cache: [drop, warm 2]\n")), "--db", dir.file("r.db")});
  INFO(outcome.stderr_tail);
  REQUIRE(outcome.exit_code == 0);
  SQLite::Database db(dir.file("r.db"));
  auto value = [&](const std::string& sql) { return db.execAndGet(sql).getDouble(); };
  const std::string cold = " FROM run_phases WHERE cell = 'cache=drop' AND is_warmup = 0";
  const std::string warm = " FROM run_phases WHERE cell = 'cache=warm 2' AND is_warmup = 0";
  CHECK(value("SELECT MAX(libtorch_resident_pct)" + cold) < 5);
  CHECK(value("SELECT MIN(libtorch_resident_pct)" + warm) > 50);
  CHECK(value("SELECT MIN(major_faults)" + cold) > 50);
  CHECK(value("SELECT MAX(major_faults)" + warm) < 10);
  CHECK(value("SELECT MIN(fs_read_kib)" + cold) > 50 * 1024);  // libtorch_cpu.so alone is hundreds of MiB
  CHECK(value("SELECT MAX(fs_read_kib)" + warm) < 1024);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM runs r JOIN cells c ON c.id = r.cell_id WHERE c.cache_policy = 'warm 2' "
                      "AND r.is_warmup = 1")
            .getInt() == 2);
  CHECK_THAT(db.execAndGet("SELECT cache_action" + cold + " LIMIT 1").getString(),
             Catch::StartsWith("dropped all caches"));
}

TEST_CASE("cache evict gives an unprivileged user a cold start too", "[.][page-cache-evict][e2e][root]") {
  if (geteuid() != 0) test::skip("needs root to become the unprivileged user 'nobody' for the test");
  test::TempDir dir;
  chmod(dir.path().c_str(), 0755);
  REQUIRE(::chown(dir.path().c_str(), 65534, 65534) == 0);  // the DB's folder is its user's own
  const auto matrix = dir.write("m.yaml", tiny_matrix("", "  cache: [none, evict]\n"));
  auto outcome = orch::run_process(
      {{"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", test::bin("orchestrator"), "run",
        matrix, "--db", dir.file("r.db"), "--lock", dir.file("lock"), "--share-machine"},
       {},
       300});
  INFO(outcome.stderr_tail);
  REQUIRE(outcome.exit_code == 0);
  SQLite::Database db(dir.file("r.db"));
  auto value = [&](const std::string& sql) { return db.execAndGet(sql).getDouble(); };
  CHECK(value("SELECT MIN(major_faults) FROM run_phases WHERE cell = 'cache=evict' AND is_warmup = 0") > 50);
  CHECK(value("SELECT MAX(major_faults) FROM run_phases WHERE cell = 'cache=none' AND is_warmup = 0") < 10);
  CHECK(value("SELECT MIN(fs_read_kib) FROM run_phases WHERE cell = 'cache=evict' AND is_warmup = 0") > 50 * 1024);
  // The kernel does not tell an unprivileged process what is cached: stored as unknown.
  CHECK(db.execAndGet("SELECT COUNT(*) FROM runs WHERE libtorch_resident_pct IS NOT NULL").getInt() == 0);
}

TEST_CASE("cache evict makes import torch cold for the Python worker", "[.][page-cache-evict][e2e]") {
  test::TempDir dir;
  const std::string python_worker = std::string(ORCH_TEST_SOURCE_DIR) + "/worker/python/bench_worker.py";
  auto outcome = orchestrator(
      {"run", dir.write("m.yaml", tiny_matrix("", "  cache: [none, evict]\n  program: [" + python_worker + "]\n")),
       "--db", dir.file("r.db")});
  INFO(outcome.stderr_tail);
  REQUIRE(outcome.exit_code == 0);
  CHECK_THAT(outcome.stderr_tail,
             Catch::Contains("files decide the cold start of " + python_worker + ", from its --list-cold-files"));
  SQLite::Database db(dir.file("r.db"));
  auto value = [&](const std::string& sql) { return db.execAndGet(sql).getDouble(); };
  const std::string cold = " FROM run_phases WHERE cell LIKE 'cache=evict%' AND is_warmup = 0";
  const std::string warm = " FROM run_phases WHERE cell LIKE 'cache=none%' AND is_warmup = 0";
  CHECK(value("SELECT MIN(major_faults)" + cold) > 50);
  CHECK(value("SELECT MAX(major_faults)" + warm) < 10);
  CHECK(value("SELECT MIN(fs_read_kib)" + cold) > 50 * 1024);  // torch's libraries came from storage
  CHECK(value("SELECT MAX(fs_read_kib)" + warm) < 1024);
  // Far more than the C++ worker's ~290 files: torch's Python modules are evicted too.
  CHECK(db.execAndGet("SELECT CAST(SUBSTR(cache_action, 9) AS INTEGER)" + cold + " LIMIT 1").getInt() > 1000);
}

TEST_CASE("16 threads on a 2-CPU cpuset carry the oversubscription warning, 2 threads do not", "[e2e]") {
  if (sysconf(_SC_NPROCESSORS_ONLN) < 2) test::skip("needs 2 online CPUs for a 2-CPU cpuset");
  test::TempDir dir;
  auto outcome = orchestrator({"run", dir.write("m.yaml", tiny_matrix("", R"(  threads:
    - {label: t2, launcher: taskset, cpuset: "0-1", torch_threads: {intra_op: 2}}
    - {label: t16, launcher: taskset, cpuset: "0-1", torch_threads: {intra_op: 16}}
)")),
                               "--db", dir.file("r.db")});
  INFO(outcome.stderr_tail);
  REQUIRE(outcome.exit_code == 0);
  SQLite::Database db(dir.file("r.db"));
  CHECK_THAT(db.execAndGet("SELECT warnings FROM cell_summary WHERE cell = 't16'").getString(),
             Catch::Contains("oversubscribed"));
  CHECK_THAT(db.execAndGet("SELECT COALESCE(warnings, '') FROM cell_summary WHERE cell = 't2'").getString(),
             !Catch::Contains("oversubscribed"));
  CHECK(db.execAndGet("SELECT intra_op_threads || ' on ' || effective_cpus FROM cell_summary WHERE cell = 't16'")
            .getString() == "16 on 0-1");
  CHECK_THAT(outcome.stdout_tail, Catch::Contains("oversubscribed"));
}

TEST_CASE("thread counts set through LibTorch's API take effect where env variables do not", "[e2e]") {
  test::TempDir dir;
  auto outcome = orchestrator({"run", dir.write("m.yaml", tiny_matrix("", R"(  how:
    - {label: env, env: {OMP_NUM_THREADS: "2", TORCH_NUM_INTEROP_THREADS: "2"}}
    - {label: api, torch_threads: {intra_op: 2, inter_op: 2}}
)")),
                               "--db", dir.file("r.db")});
  INFO(outcome.stderr_tail);
  REQUIRE(outcome.exit_code == 0);
  SQLite::Database db(dir.file("r.db"));
  auto threads = [&](const std::string& cell) {
    return db
        .execAndGet("SELECT intra_op_threads || '/' || inter_op_threads FROM cell_summary WHERE cell = '" + cell + "'")
        .getString();
  };
  CHECK(threads("env") == "2/1");  // LibTorch reads OMP_NUM_THREADS, not TORCH_NUM_INTEROP_THREADS
  CHECK(threads("api") == "2/2");
}

TEST_CASE("one matrix compares the C++ worker with the Python one, import torch included", "[e2e]") {
  test::TempDir dir;
  const std::string python_worker = std::string(ORCH_TEST_SOURCE_DIR) + "/worker/python/bench_worker.py";
  auto outcome = orchestrator({"run",
                               dir.write("m.yaml", tiny_matrix("",
                                                               "  worker_kind:\n"
                                                               "    - {label: cpp}\n    - {label: python, program: " +
                                                                   python_worker + "}\n")),
                               "--db", dir.file("r.db")});
  INFO(outcome.stderr_tail);
  REQUIRE(outcome.exit_code == 0);
  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT COUNT(*) FROM run_phases WHERE cell = 'python' AND status = 'ok' AND latency_n = 20 "
                      "AND library_load_ms > 0 AND model_load_ms > 0")
            .getInt() == 3);
  CHECK_THAT(
      db.execAndGet(
            "SELECT r.command_line FROM runs r JOIN cells c ON c.id = r.cell_id WHERE c.label = 'python' LIMIT 1")
          .getString(),
      Catch::StartsWith(python_worker));
  CHECK(db.execAndGet("SELECT COUNT(DISTINCT name) FROM phases").getInt() == 7);  // the same phases from both
}

namespace {

// No GPU here: a stand-in worker that says yes to `--probe-device cuda`, runs the real
// worker on the CPU, and adds to its report a device clock reading 0.8x each host sample
// (or, with OMIT_DEVICE_TIMES set, leaves the report host-only).
std::string fake_gpu_worker(const test::TempDir& dir) {
  const std::string path = dir.write("fake_gpu_worker.py", R"py(#!/usr/bin/python3
import json, os, subprocess, sys
args = sys.argv[1:]
if "--probe-device" in args:
    print("ok")
    sys.exit(0)
args[args.index("--device") + 1] = "cpu"
result = args[args.index("--result") + 1]
code = subprocess.call([")py" + test::bin("bench_worker") + R"py("] + args)
with open(result) as f:
    doc = json.load(f)
if not os.environ.get("OMIT_DEVICE_TIMES"):
    doc["device_samples_ms"] = [0.8 * s for s in doc["samples_ms"]]
    doc["runtime"]["device_name"] = "Stand-in GPU, driver 0.0"
with open(result, "w") as f:
    json.dump(doc, f)
sys.exit(code)
)py");
  chmod(path.c_str(), 0755);
  return path;
}

}  // namespace

TEST_CASE("a cuda cell stores host and CUDA event times per iteration (fake GPU worker: no GPU here)", "[e2e][gpu]") {
  test::TempDir dir;
  std::string text =
      tiny_matrix("", "  cells:\n    - {label: events}\n    - {label: host-only, env: {OMIT_DEVICE_TIMES: \"1\"}}\n");
  text.replace(text.find("worker:\n"), 8, "worker:\n  device: cuda\n  program: " + fake_gpu_worker(dir) + "\n");
  auto outcome = orchestrator({"run", dir.write("m.yaml", text), "--db", dir.file("r.db")});
  INFO(outcome.stderr_tail);
  CHECK(outcome.exit_code == 3);  // the host-only cell's runs are not ok
  CHECK_THAT(outcome.stdout_tail, Catch::Contains("gpu p50 ms"));

  SQLite::Database db(dir.file("r.db"));
  CHECK(db.execAndGet("SELECT COUNT(*) FROM samples s JOIN runs r ON r.id = s.run_id JOIN cells c ON c.id = r.cell_id "
                      "WHERE c.label = 'events' AND ABS(s.device_ms - 0.8 * s.latency_ms) < 1e-9")
            .getInt() == 3 * 20);
  CHECK(db.execAndGet("SELECT ABS(device_latency_p50_ms - 0.8 * latency_p50_ms) < 1e-9 FROM runs r "
                      "JOIN cells c ON c.id = r.cell_id WHERE c.label = 'events' AND r.run_index = 1")
            .getInt() == 1);
  CHECK(db.execAndGet("SELECT device_latency_p50_ms > 0 FROM cell_summary WHERE cell = 'events'").getInt() == 1);
  CHECK(db.execAndGet("SELECT device_name FROM cell_summary WHERE cell = 'events'").getString() ==
        "Stand-in GPU, driver 0.0");
  CHECK(db.execAndGet("SELECT COUNT(*) FROM runs r JOIN cells c ON c.id = r.cell_id WHERE c.label = 'host-only' "
                      "AND r.status = 'bad_result' AND r.reason LIKE '%host times only%'")
            .getInt() == 3);
}

TEST_CASE("validate asks every cell's worker program about the GPU (fake GPU worker: no GPU here)", "[e2e][gpu]") {
  test::TempDir dir;
  const std::string python_worker = std::string(ORCH_TEST_SOURCE_DIR) + "/worker/python/bench_worker.py";
  std::string text =
      tiny_matrix("", "  cells:\n    - {label: fake}\n    - {label: python, program: " + python_worker + "}\n");
  text.replace(text.find("worker:\n"), 8, "worker:\n  device: cuda\n  program: " + fake_gpu_worker(dir) + "\n");
  auto outcome = orchestrator({"run", dir.write("m.yaml", text), "--db", dir.file("r.db")});
  CHECK(outcome.exit_code == 1);
  CHECK_THAT(outcome.stderr_tail, Catch::Contains("m.yaml:5:11: device: device 'cuda' requested but cuda not "
                                                  "available in this PyTorch build") &&
                                      Catch::Contains("(said " + python_worker + ")"));
  CHECK_FALSE(std::filesystem::exists(dir.file("r.db")));
}

TEST_CASE("a sweep over models and batch sizes runs, each cell with what it asked", "[e2e]") {
  test::TempDir dir;
  const std::string tiny = test::model("tiny_cnn.pt"), mobile = test::model("mobilenet_v2.pt");
  const std::string matrix = "name: sweep\nruns: 1\nwarmup_runs: 0\nworker:\n  model: " + tiny +
                             "\n  warmup_iterations: 1\n  iterations: 4\nmatrix:\n  model: [" + tiny + ", " + mobile +
                             "]\n  input_shape: [[1, 3, 32, 32], [8, 3, 32, 32]]\n";
  auto outcome = orchestrator({"run", dir.write("m.yaml", matrix), "--db", dir.file("r.db")});
  INFO(outcome.stderr_tail);
  REQUIRE(outcome.exit_code == 0);
  CHECK_THAT(outcome.stdout_tail, Catch::Contains("model=mobilenet_v2.pt, input_shape=8x3x32x32"));
  SQLite::Database db(dir.file("r.db"));
  SQLite::Statement cells(db,
                          "SELECT cell, model_path, input_shape, runs_ok, latency_p50_ms > 0 FROM cell_summary "
                          "ORDER BY cell_index");
  std::vector<std::string> seen;
  while (cells.executeStep()) {
    seen.push_back(cells.getColumn(0).getString() + " | " + cells.getColumn(2).getString());
    CHECK(cells.getColumn(3).getInt() == 1);
    CHECK(cells.getColumn(4).getInt() == 1);
  }
  CHECK(seen == std::vector<std::string>{"model=tiny_cnn.pt, input_shape=1x3x32x32 | 1,3,32,32",
                                         "model=tiny_cnn.pt, input_shape=8x3x32x32 | 8,3,32,32",
                                         "model=mobilenet_v2.pt, input_shape=1x3x32x32 | 1,3,32,32",
                                         "model=mobilenet_v2.pt, input_shape=8x3x32x32 | 8,3,32,32"});
  // The worker ran what each cell asked: its batch size and its model took effect.
  CHECK(db.execAndGet("SELECT COUNT(DISTINCT model_path) FROM run_phases WHERE status = 'ok'").getInt() == 2);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM runs r JOIN cells c ON c.id = r.cell_id "
                      "WHERE c.input_shape = '8,3,32,32' AND r.latency_n = 4 AND r.status = 'ok'")
            .getInt() == 2);
}

TEST_CASE("iterations: auto stops each run once its p50 is within the target, and the C++ and Python workers agree",
          "[e2e]") {
  test::TempDir dir;
  for (const std::string& program :
       {test::bin("bench_worker"), std::string(ORCH_TEST_SOURCE_DIR) + "/worker/python/bench_worker.py"}) {
    INFO(program);
    const auto matrix =
        dir.write("m.yaml",
                  "name: it\nruns: 2\nwarmup_runs: 0\nprecision: {target_percent: 5, min_iterations: 20, "
                  "max_iterations: 20000}\nworker:\n  program: " +
                      program + "\n  model: " + test::model("tiny_cnn.pt") +
                      "\n  input_shape: [1, 3, 32, 32]\n  iterations: auto\nmatrix:\n  cells:\n    - {label: a}\n");
    const auto db = dir.file("it.db");
    std::filesystem::remove(db);
    const auto outcome = orchestrator({"run", matrix, "--db", db});
    INFO(outcome.stderr_tail);
    REQUIRE(outcome.exit_code == 0);
    // Each run stopped between its bounds, well before the most, its p50 known to 5%.
    CHECK(e2e::query(db, "SELECT COUNT(*) FROM runs WHERE status = 'ok' AND latency_n BETWEEN 20 AND 19999") == "2");
    CHECK(e2e::query(db,
                     "SELECT min_iterations || ' ' || iterations || ' ' || iterations_target_percent "
                     "FROM cells") == "20 20000 5.0");
    CHECK(e2e::query(db, "SELECT cell FROM cell_summary") == "a");
  }
}

TEST_CASE("plan --from-history advises each cell's cheapest runs x iterations from its stored runs",
          "[.][plan-history][e2e]") {
  test::TempDir dir;
  std::string text = tiny_matrix();
  text.replace(text.find("runs: 2"), 7, "runs: 4");  // undisturbed runs enough, should one be left out
  const auto matrix = dir.write("m.yaml", text);
  const auto db = dir.file("history.db");
  // Before any run: refused before anything is printed.
  auto missing = orchestrator({"plan", matrix, "--from-history", db});
  CHECK(missing.exit_code != 0);
  CHECK_THAT(missing.stderr_tail, Catch::Contains("--from-history: no results DB at"));
  CHECK(missing.stdout_tail.empty());
  CHECK(orchestrator({"plan", matrix, "--target-percent", "5"}).exit_code != 0);  // needs --from-history
  REQUIRE(orchestrator({"run", matrix, "--db", db}).exit_code == 0);
  const auto advice = orchestrator({"plan", matrix, "--from-history", db, "--target-percent", "5"});
  INFO(advice.stdout_tail << advice.stderr_tail);
  REQUIRE(advice.exit_code == 0);
  CHECK_THAT(advice.stdout_tail, Catch::Contains("advice from " + db + " for +-5%"));
  CHECK_THAT(advice.stdout_tail, Catch::Contains("of a run's variance is run to run"));
  CHECK_THAT(advice.stdout_tail, Catch::Contains("as written, 4 x 20: +-"));
  // Each cell gets a plan, or says that none reaches the target within 100000 runs.
  for (const std::string cell : {"cell 1/2", "cell 2/2"}) CHECK_THAT(advice.stdout_tail, Catch::Contains(cell));
  CHECK_THAT(advice.stdout_tail, Catch::Contains("cheapest: runs") || Catch::Contains("no plan of up to"));
  // Its history is finished experiments only, and leaves out runs disturbed from
  // outside, saying how many.
  SQLite::Database db_file(db, SQLite::OPEN_READWRITE);
  db_file.exec("UPDATE runs SET warnings = 'interference' WHERE run_index = 2");  // measured: 1 warm-up first
  const auto disturbed = orchestrator({"plan", matrix, "--from-history", db});
  CHECK_THAT(disturbed.stdout_tail, Catch::Contains(" more left out: interference or outlier-run"));
  db_file.exec("UPDATE experiments SET status = 'running'");
  const auto unfinished = orchestrator({"plan", matrix, "--from-history", db});
  CHECK_THAT(unfinished.stdout_tail, Catch::Contains("no finished experiment with these settings on"));
}

// Rigor on a shared machine, end to end: interference measured per run (a busy loop
// pinned to the cell's CPU during some runs is what a neighbour's job does), and the
// attribution line of slow cells. ctest runs each alone (RUN_SERIAL): no other test may
// be the neighbour, and cache: drop changes what any test beside it measures.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/text.h"
#include "e2e_support.h"
#include "test_support.h"

extern char** environ;

namespace {

// A busy loop on one CPU, killed by its pid when this goes.
class Neighbour {
 public:
  explicit Neighbour(int cpu) {
    const std::string list = std::to_string(cpu);
    const char* argv[] = {"/usr/bin/taskset", "-c", list.c_str(), "/bin/sh", "-c", "while :; do :; done", nullptr};
    REQUIRE(::posix_spawn(&pid_, argv[0], nullptr, nullptr, const_cast<char**>(argv), environ) == 0);
  }
  ~Neighbour() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  Neighbour(const Neighbour&) = delete;
  Neighbour& operator=(const Neighbour&) = delete;

 private:
  pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("interference: exactly the runs with a busy neighbour on their CPU carry it, with the share",
          "[.][interference][e2e]") {
  if (sysconf(_SC_NPROCESSORS_ONLN) < 2) test::skip("needs 2 online CPUs: the cell's and one for the rest");
  test::TempDir dir;
  // Runs of about two seconds on CPU 1, one after the other.
  const std::string matrix = dir.write(
      "m.yaml",
      "name: neighbours\nruns: 4\nwarmup_runs: 0\norder: sequential\nworker:\n  model: " + test::model("tiny_cnn.pt") +
          "\n  input_shape: [1, 3, 32, 32]\n  iterations: 40000\nmatrix:\n  placement:\n"
          "    - {launcher: taskset, cpuset: \"1\", env: {OMP_NUM_THREADS: \"1\"}}\n");
  const std::string db = dir.file("r.db");
  e2e::Orchestrator orchestrator({"run", matrix, "--db", db});
  const std::string finished = "SELECT COUNT(*) FROM runs WHERE status <> 'running'";
  REQUIRE(e2e::await(db, finished, "1", 120));
  {
    Neighbour neighbour(1);  // during runs 2 and 3
    REQUIRE(e2e::await(db, finished, "3", 120));
  }
  REQUIRE(orchestrator.wait() == 0);
  for (int run = 0; run < 4; ++run) {
    const std::string where = " FROM runs WHERE run_index = " + std::to_string(run);
    const bool beside = run == 1 || run == 2;
    INFO("run " << run << ": others_cpu_share " << e2e::query(db, "SELECT others_cpu_share" + where) << ", warnings "
                << e2e::query(db, "SELECT COALESCE(warnings, '')" + where));
    CHECK(e2e::query(db, "SELECT others_cpu_share " + std::string(beside ? ">" : "<") + " 0.1" + where) == "1");
    CHECK(e2e::query(db, "SELECT COALESCE(warnings, '') LIKE '%interference%'" + where) == (beside ? "1" : "0"));
  }
  // The neighbour took about half of the CPU the two shared.
  CHECK(e2e::query(db, "SELECT MIN(others_cpu_share) > 0.3 FROM runs WHERE run_index IN (1, 2)") == "1");
}

namespace {

// The middle of a cell's three measured ok runs' `column`, from the DB.
double middle(const std::string& db, const std::string& cell, const std::string& column) {
  return std::stod(e2e::query(db, "SELECT " + column + " FROM run_phases WHERE cell = '" + cell +
                                      "' AND is_warmup = 0 AND status = 'ok' ORDER BY " + column +
                                      " LIMIT 1 OFFSET 1"));
}

}  // namespace

TEST_CASE("attribution: a throttled, an oversubscribed and a cold cell each name the counter behind it",
          "[.][attribution][e2e][root]") {
  e2e::require_root_cgroups();  // the quota's cgroup, and cache: drop
  if (sysconf(_SC_NPROCESSORS_ONLN) < 2) test::skip("needs 2 online CPUs");
  test::TempDir dir;
  const std::string matrix = dir.write(
      "m.yaml", "name: attribution\nruns: 3\nwarmup_runs: 0\nworker:\n  model: " + test::model("tiny_cnn.pt") +
                    "\n  input_shape: [1, 3, 64, 64]\n  iterations: 200\nmatrix:\n  cells:\n"
                    "    - {label: quota, launcher: cgroup, cpu_quota: 20%, torch_threads: {intra_op: 1}}\n"
                    "    - {label: crowded, launcher: taskset, cpuset: \"0\", torch_threads: {intra_op: 8}}\n"
                    "    - {label: cold, launcher: host, cache: drop, torch_threads: {intra_op: 1}}\n"
                    "    - {label: quiet, launcher: taskset, cpuset: \"1\", torch_threads: {intra_op: 1}}\n");
  const std::string db = dir.file("r.db");
  REQUIRE(e2e::run({"run", matrix, "--db", db, "--lock", dir.file("lock")}) == 0);
  auto why = [&](const std::string& cell) {
    return e2e::query(db, "SELECT COALESCE(attribution, '') FROM cell_summary WHERE cell = '" + cell + "'");
  };
  // Each figure is the median of the three runs' stored counter.
  std::vector<double> shares;
  for (const auto& row : {0, 1, 2})
    shares.push_back(std::stod(e2e::query(db,
                                          "SELECT throttled_ms / wall_ms FROM run_phases WHERE cell = 'quota' "
                                          "ORDER BY throttled_ms / wall_ms LIMIT 1 OFFSET " +
                                              std::to_string(row))));
  CHECK(why("quota") == "throttled " + orch::format_number(shares[1] * 100, 0) +
                            "% of its run time (quota 20% with 1 intra-op thread)");
  CHECK(why("crowded") == "oversubscribed: 8 threads on 1 CPU, " +
                              orch::format_number(middle(db, "crowded", "involuntary_ctx_switches"), 0) +
                              " involuntary context switches per run");
  CHECK(why("cold") == "cold: " + orch::format_number(middle(db, "cold", "fs_read_kib") / 1024, 0) +
                           " MiB read from storage, " + orch::format_number(middle(db, "cold", "major_faults"), 0) +
                           " major faults");
  CHECK(why("quiet").empty());
}

// Slurm's answers as the orchestrator reads them (the outputs below are copied from
// slurm-wlm 22.05 on this machine, or from sacct's documented -P format, which needs
// slurmdbd, absent here), the shares of a job, and how missing runs become jobs.
#include <catch2/catch.hpp>
#include <string>

#include "matrix/matrix.h"
#include "measure/hosts.h"
#include "run/run_share.h"
#include "slurm/slurm_cluster.h"
#include "slurm/slurm_submission.h"
#include "test_support.h"

namespace {

orch::Experiment parse(const std::string& cells, int runs = 2, int warmups = 1) {
  const std::string text = "name: slurm\nruns: " + std::to_string(runs) + "\nwarmup_runs: " + std::to_string(warmups) +
                           "\nworker: {model: " + test::model("tiny_cnn.pt") + "}\nmatrix:\n  cells:\n" + cells;
  return orch::parse_experiment(text, "/tmp/m.yaml", test::four_cpu_machine(), "/bin/true");
}

const std::string kThreeCells = "    - {label: a}\n    - {label: b}\n    - {label: c}\n";

}  // namespace

TEST_CASE("slurm: sinfo gives the partition's nodes and its smallest", "[slurm]") {
  const std::string text = "n1|2|23081|idle|test*\nn2|8|64000|mixed|test*\nn2|8|64000|mixed|other\nbad||x|idle|test*\n";
  const auto partition = orch::parse_sinfo(text, "");
  REQUIRE(partition);
  CHECK(partition->name == "test");
  CHECK(partition->nodes.size() == 2);
  CHECK(partition->idle_nodes() == 1);
  const auto smallest = partition->smallest_node();
  CHECK(smallest.online_cpus == std::vector<int>{0, 1});
  CHECK(smallest.memory_mib == 23081);
  CHECK_THAT(smallest.where, Catch::Contains("node n1 of Slurm partition 'test'"));
  CHECK(orch::parse_sinfo(text, "other")->nodes.size() == 1);
  CHECK_FALSE(orch::parse_sinfo(text, "missing"));
}

TEST_CASE("slurm: a cpuset CPU or a memory limit the partition's nodes lack is refused at its line", "[slurm]") {
  const auto partition = orch::parse_sinfo("n1|2|1000|idle|test*\n", "");
  const std::string text = "name: s\nworker: {model: " + test::model("tiny_cnn.pt") +
                           "}\nmatrix:\n  cells:\n    - {launcher: taskset, cpuset: \"3\"}\n";
  CHECK_THROWS_WITH(orch::parse_experiment(text, "/tmp/m.yaml", partition->smallest_node(), "/bin/true"),
                    Catch::Contains("5:35: cpuset: CPU 3 does not exist on node n1 of Slurm partition 'test'"));
  const std::string memory = "name: s\nworker: {model: " + test::model("tiny_cnn.pt") +
                             "}\nmatrix:\n  cells:\n    - {launcher: cgroup, memory: 2G}\n";
  CHECK_THROWS_WITH(orch::parse_experiment(memory, "/tmp/m.yaml", partition->smallest_node(), "/bin/true"),
                    Catch::Contains("memory: 2G is more than node n1 of Slurm partition 'test'"));
}

TEST_CASE("slurm: a job's end from sacct, scontrol or the jobcomp file", "[slurm]") {
  const auto sacct = orch::parse_sacct("12|CANCELLED by 0|0:15|n1|orch-a\n13|COMPLETED|0:0|n2|orch-b\n", 12, "orch-a");
  REQUIRE(sacct);
  CHECK(sacct->state == "CANCELLED");
  CHECK(sacct->exit_code == "0:15");
  CHECK(sacct->node == "n1");
  CHECK_FALSE(orch::parse_sacct("12|RUNNING|0:0|n1|orch-a\n", 12, "orch-a"));
  CHECK_FALSE(orch::parse_sacct("12|COMPLETED|0:0|n1|someone-else\n", 12, "orch-a"));  // an id reused

  const std::string scontrol =
      "JobId=1 JobName=orch-a UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) "
      "ExitCode=3:0 NodeList=vm BatchHost=vm\n";
  const auto failed = orch::parse_scontrol_job(scontrol, 1, "orch-a");
  REQUIRE(failed);
  CHECK(failed->state == "FAILED");
  CHECK(failed->exit_code == "3:0");
  CHECK(failed->source == "scontrol");
  CHECK_FALSE(orch::parse_scontrol_job("JobId=1 JobName=orch-a JobState=COMPLETING ExitCode=0:15\n", 1, "orch-a"));
  CHECK_FALSE(orch::parse_scontrol_job(scontrol, 2, "orch-a"));
  CHECK_FALSE(orch::parse_scontrol_job(scontrol, 1, "orch-b"));

  const std::string jobcomp =
      "JobId=2 UserId=root(0) GroupId=root(0) Name=orch-a JobState=CANCELLED Partition=test TimeLimit=UNLIMITED "
      "StartTime=2026-12-01T22:44:05 EndTime=2026-12-01T22:44:05 NodeList=(null) NodeCnt=0 ProcCnt=0 "
      "DerivedExitCode=0:0 ExitCode=0:0 \n"
      "JobId=2 Name=orch-a JobState=TIMEOUT NodeList=n3 ExitCode=0:1\n";
  const auto last = orch::parse_jobcomp(jobcomp, 2, "orch-a");
  REQUIRE(last);
  CHECK(last->state == "TIMEOUT");  // the last line of the job
  CHECK(last->node == "n3");
  CHECK(orch::parse_jobcomp(jobcomp.substr(0, jobcomp.find('\n')), 2, "orch-a")->node.empty());  // (null)

  CHECK(orch::parse_sbatch("42\n") == 42);
  CHECK(orch::parse_sbatch("42;cluster\n") == 42);
  CHECK_FALSE(orch::parse_sbatch("sbatch: error: invalid partition\n"));
  const auto queue = orch::parse_squeue("5|RUNNING|vm|orch-a\n6|PENDING||orch-b\ngarbage\n");
  CHECK(queue.size() == 2);
  CHECK(queue.at(5).node == "vm");
  CHECK(queue.at(6).name == "orch-b");
}

TEST_CASE("slurm: a share is read back as written, and one the matrix cannot have is refused", "[slurm]") {
  const auto experiment = parse(kThreeCells);
  orch::RunShare share;
  share.runs[0] = {0, 1, 2};
  share.runs[2] = {0, 2};
  CHECK(orch::format_share(share) == "0:0-2/2:0,2");
  const auto back = orch::parse_share("0:0-2/2:0,2", experiment);
  CHECK(back.runs == share.runs);
  CHECK(back.has(2, 2));
  CHECK_FALSE(back.has(1, 0));
  CHECK(back.size() == 5);
  CHECK_THROWS_WITH(orch::parse_share("3:0", experiment), Catch::Contains("no cell 3"));
  CHECK_THROWS_WITH(orch::parse_share("0:0-3", experiment), Catch::Contains("has runs 0-2"));
  CHECK_THROWS_WITH(orch::parse_share("0:0/0:1", experiment), Catch::Contains("given twice"));
  CHECK_THROWS_WITH(orch::parse_share("x", experiment), Catch::Contains("expected CELL:RUNS"));
}

TEST_CASE("slurm: missing runs become jobs, cells round-robin or one job per replica", "[slurm]") {
  const auto matrix = parse(kThreeCells);  // 1 warm-up + 2 measured runs per cell
  const auto cells = orch::slurm_experiment(matrix, "cells", 1);
  auto plan = orch::plan_jobs(cells, 3, {}, {}, {}, 2);
  REQUIRE(plan.size() == 2);
  CHECK(orch::format_share(plan[0].share) == "0:0-2/2:0-2");
  CHECK(orch::format_share(plan[1].share) == "1:0-2");
  // Cell 0 lost measured run 2, cell 1 only its warm-up (its measured runs are kept),
  // cell 2 is still with a job: only cell 0 runs again, warm-up first.
  plan = orch::plan_jobs(cells, 3, {{0, 0}, {0, 1}, {1, 1}, {1, 2}}, {2}, {}, 2);
  REQUIRE(plan.size() == 1);
  CHECK(orch::format_share(plan[0].share) == "0:0,2");
  CHECK(orch::plan_jobs(cells, 3, {}, {}, {0, 1, 2}, 2).empty());  // runs: auto stopped them all

  const auto replicas = orch::slurm_experiment(matrix, "replicas", 2);
  REQUIRE(replicas.cells.size() == 6);
  CHECK(replicas.cells[4].label == "b [replica 2]");
  CHECK(replicas.cells[4].replica == 1);
  plan = orch::plan_jobs(replicas, 3, {}, {}, {}, 2);
  REQUIRE(plan.size() == 2);
  CHECK(plan[1].replica == 1);
  CHECK(orch::format_share(plan[1].share) == "0:0-2/1:0-2/2:0-2");  // the matrix's own indices
}

TEST_CASE("slurm: mixed-hosts names who ran where and what differs (a fake second node: one exists here)", "[slurm]") {
  const orch::Columns n1 = {{"hostname", std::string("n1")},
                            {"cpu_model", std::string("EPYC")},
                            {"kernel", std::string("6.1.0-9")},
                            {"governor", std::string("performance")},
                            {"smt", std::string("2 threads per core")},
                            {"memory_mib", int64_t{64000}}};
  orch::Columns n2 = n1;
  n2[0].second = std::string("n2");
  CHECK_FALSE(orch::describe_mixed_hosts({{"cell 1", n1}, {"cell 2", n1}}));
  CHECK(*orch::describe_mixed_hosts({{"cell 1", n1}, {"cell 2", n1}, {"cell 3", n2}}) ==
        "cells 1-2 on n1; cell 3 on n2; they differ in host name");
  CHECK(*orch::describe_mixed_hosts({{"cell 1", n1}, {"cell 2", n1}, {"cell 3", n1}, {"cell 5", n1}, {"cell 4", n2}}) ==
        "cells 1-3, 5 on n1; cell 4 on n2; they differ in host name");
  // An older experiment does not say its memory: unknown is no difference.
  orch::Columns old_n1 = n1;
  old_n1[5].second = orch::Value();
  CHECK_FALSE(orch::describe_mixed_hosts({{"experiment 1", old_n1}, {"experiment 2", n1}}));
  n2[2].second = std::string("6.1.0-10");
  CHECK(*orch::describe_mixed_hosts({{"experiment 4", n1}, {"experiment 5", n2}}) ==
        "experiment 4 on n1; experiment 5 on n2; they differ in host name, kernel (6.1.0-9 / 6.1.0-10)");
}

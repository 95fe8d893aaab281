// argv construction: the worker's command line and each launcher's wrapping.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "launch/launcher.h"
#include "launch/worker_command.h"
#include "test_support.h"

namespace {

orch::Experiment experiment_with(orch::CellSettings settings) {
  orch::Experiment experiment;
  experiment.matrix_path = "/tmp/m.yaml";
  settings.program = "/opt/bench_worker";
  settings.model_path = "/models/m.pt";
  settings.input_shape = {2, 3, 64, 64};
  settings.iterations = 50;
  settings.warmup_iterations = 5;
  orch::Cell cell;
  cell.label = "c";
  cell.settings = std::move(settings);
  cell.origins[orch::Setting::kLauncher] = {"/tmp/m.yaml", 7, 15};
  experiment.cells.push_back(cell);
  return experiment;
}

}  // namespace

TEST_CASE("the worker argv carries every worker setting and the per-run values", "[argv]") {
  auto experiment = experiment_with({});
  const std::vector<std::string> expected = {"/opt/bench_worker",
                                             "--model",
                                             "/models/m.pt",
                                             "--input-shape",
                                             "2,3,64,64",
                                             "--device",
                                             "cpu",
                                             "--warmup-iterations",
                                             "5",
                                             "--iterations",
                                             "50",
                                             "--spawn-ns",
                                             "123",
                                             "--result",
                                             "/tmp/r.json"};
  CHECK(orch::worker_argv(experiment.cells[0].settings, {"123", "/tmp/r.json"}) == expected);
  orch::CellSettings api_threads = experiment.cells[0].settings;
  api_threads.threads = {4, 2};
  auto with_threads = orch::worker_argv(api_threads, {"123", "/tmp/r.json"});
  CHECK(std::vector<std::string>(with_threads.end() - 4, with_threads.end()) ==
        std::vector<std::string>{"--intra-op-threads", "4", "--inter-op-threads", "2"});
}

TEST_CASE("host runs the worker as is, with the cell's env", "[argv]") {
  orch::CellSettings settings;
  settings.env = {{"OMP_NUM_THREADS", "1"}};
  auto experiment = experiment_with(settings);
  orch::Launchers launchers;
  auto launch = launchers.command(experiment, experiment.cells[0], {"1", "/r"});
  CHECK(launch.argv.front() == "/opt/bench_worker");
  CHECK(launch.env == settings.env);
  CHECK_NOTHROW(launchers.validate(experiment));
}

TEST_CASE("taskset wraps the worker in taskset -c LIST", "[argv]") {
  orch::CellSettings settings;
  settings.launcher = orch::LauncherKind::kTaskset;
  settings.cpuset = {0, 1, 3};
  auto experiment = experiment_with(settings);
  orch::Launchers launchers;
  auto launch = launchers.command(experiment, experiment.cells[0], {"1", "/r"});
  REQUIRE(launch.argv.size() > 4);
  CHECK(launch.argv[0] == "/usr/bin/taskset");
  CHECK(launch.argv[1] == "-c");
  CHECK(launch.argv[2] == "0-1,3");
  CHECK(launch.argv[3] == "/opt/bench_worker");
}

TEST_CASE("a launcher that cannot honour a cell is refused at the setting's location", "[argv]") {
  orch::Launchers launchers;
  orch::CellSettings taskset_without_cpus;
  taskset_without_cpus.launcher = orch::LauncherKind::kTaskset;
  CHECK_THROWS_WITH(launchers.validate(experiment_with(taskset_without_cpus)),
                    Catch::StartsWith("/tmp/m.yaml:7:15: cell 1 (c): launcher taskset needs a cpuset"));
  orch::CellSettings host_with_cpus;
  host_with_cpus.cpuset = {0};
  CHECK_THROWS_WITH(launchers.validate(experiment_with(host_with_cpus)),
                    Catch::Contains("launcher host cannot apply cpuset"));
  orch::CellSettings taskset_with_memory;
  taskset_with_memory.launcher = orch::LauncherKind::kTaskset;
  taskset_with_memory.cpuset = {0};
  taskset_with_memory.memory_bytes = 1 << 30;
  try {
    launchers.validate(experiment_with(taskset_with_memory));
    FAIL("taskset with a memory limit was accepted");
  } catch (const orch::UserError& e) {
    CHECK_THAT(e.what(), Catch::Contains("launcher taskset cannot apply memory"));
    CHECK(e.hint() == "launchers that can: cgroup, unshare, systemd-run, docker");
  }
}

namespace {

// Stands in for a machine without usable cgroups.
class NoCgroupsHere final : public orch::CgroupSystem {
 public:
  int version() const override { return 0; }
  std::optional<std::string> unusable_reason() const override { return "no write access to /sys/fs/cgroup/cpu"; }
  std::string description() const override { return "unusable: " + *unusable_reason(); }
  void prepare_session() override { throw orch::CgroupError("unusable"); }
  std::unique_ptr<orch::RunCgroup> create(const std::string&, const orch::CgroupLimits&) override {
    throw orch::CgroupError("unusable");
  }
  int remove_dead_sessions() override { return 0; }
};

orch::CellSettings limited(orch::LauncherKind launcher) {
  orch::CellSettings settings;
  settings.launcher = launcher;
  settings.cpuset = {0, 1};
  settings.cpu_quota_percent = 200;
  settings.memory_bytes = int64_t(2) << 30;
  settings.env = {{"OMP_NUM_THREADS", "2"}};
  return settings;
}

std::vector<std::string> after(const std::vector<std::string>& argv, const std::string& first) {
  auto it = std::find(argv.begin(), argv.end(), first);
  return {it, argv.end()};
}

}  // namespace

TEST_CASE("the cgroup launcher is refused, with the reason, where cgroups are unusable", "[argv]") {
  orch::Launchers launchers(std::make_unique<NoCgroupsHere>());
  CHECK_THROWS_WITH(launchers.validate(experiment_with(limited(orch::LauncherKind::kCgroup))),
                    Catch::Contains("launcher cgroup needs cgroups: no write access to /sys/fs/cgroup/cpu"));
}

TEST_CASE("systemd-run gets the exact command line of seed 000 (golden)", "[argv]") {
  orch::Launchers launchers;
  auto experiment = experiment_with(limited(orch::LauncherKind::kSystemdRun));
  auto argv = launchers.command(experiment, experiment.cells[0], {"1", "/r/x.json", "orch-9-c0-r0"}).argv;
  std::vector<std::string> expected = {"--scope", "--quiet"};
  if (geteuid() != 0) expected.push_back("--user");
  for (const char* arg :
       {"--unit=orch-9-c0-r0", "-p", "CPUQuota=200%", "-p", "AllowedCPUs=0-1", "-p", "MemoryMax=2147483648", "-p",
        "MemorySwapMax=0", "--setenv=OMP_NUM_THREADS=2", "/opt/bench_worker"})
    expected.push_back(arg);
  CHECK(std::vector<std::string>(argv.begin() + 1, argv.begin() + 1 + expected.size()) == expected);
  CHECK_THAT(argv[0], Catch::EndsWith("systemd-run"));
}

TEST_CASE("security: systemd-run gives a worker of worker.user that user's environment, not root's",
          "[argv][security]") {
  orch::Launchers launchers;
  auto experiment = experiment_with(limited(orch::LauncherKind::kSystemdRun));
  experiment.worker.user = orch::UserIdentity{"nobody", 65534, 65534};
  auto argv = launchers.command(experiment, experiment.cells[0], {"1", "/r/x.json", "orch-9-c0-r0"}).argv;
  const auto at = [&](const std::string& word) { return std::find(argv.begin(), argv.end(), word); };
  CHECK(at("--uid=65534") != argv.end());
  CHECK(std::none_of(argv.begin(), argv.end(), [](const std::string& arg) { return arg.rfind("--setenv", 0) == 0; }));
  REQUIRE(at("-i") != argv.end());
  CHECK(*(at("-i") - 1) == "/usr/bin/env");
  CHECK(at("-i") < at("OMP_NUM_THREADS=2"));
  CHECK(at("OMP_NUM_THREADS=2") < at("/opt/bench_worker"));
}

TEST_CASE("systemd-run is refused where systemd is not PID 1", "[argv]") {
  if (access("/run/systemd/system", F_OK) == 0)
    test::skip("this host runs systemd as PID 1, so systemd-run is allowed here");
  orch::Launchers launchers;
  CHECK_THROWS_WITH(launchers.validate(experiment_with(limited(orch::LauncherKind::kSystemdRun))),
                    Catch::Contains("not booted with systemd"));
}

TEST_CASE("docker gets limits, env, read-only model and result mounts (golden)", "[argv]") {
  orch::Launchers launchers;
  auto experiment = experiment_with(limited(orch::LauncherKind::kDocker));
  auto argv = launchers.command(experiment, experiment.cells[0], {"77", "/scratch/r.json", "orch-9-c0-r1"}).argv;
  const std::vector<std::string> expected = {"run",
                                             "--name",
                                             "orch-9-c0-r1",
                                             "--network",
                                             "none",
                                             "--pull",
                                             "never",
                                             "--cpus=2",
                                             "--cpuset-cpus=0-1",
                                             "--memory=2147483648b",
                                             "--memory-swap=2147483648b",
                                             "-e",
                                             "OMP_NUM_THREADS=2",
                                             "-v",
                                             "/models:/orchestrator/model:ro",
                                             "-v",
                                             "/scratch:/orchestrator/results",
                                             "orchestrator-worker:latest",
                                             "/orchestrator/bin/bench_worker",
                                             "--model",
                                             "/orchestrator/model/m.pt"};
  CHECK(std::vector<std::string>(argv.begin() + 1, argv.begin() + 1 + expected.size()) == expected);
  CHECK(after(argv, "--result") == std::vector<std::string>{"--result", "/orchestrator/results/r.json"});
  CHECK(after(argv, "--spawn-ns")[1] == "77");
}

TEST_CASE("docker cells are refused on a GPU: the container gets no GPU", "[argv][gpu]") {
  orch::Launchers launchers;
  auto experiment = experiment_with(limited(orch::LauncherKind::kDocker));
  experiment.cells[0].settings.device = "cuda:1";
  CHECK_THROWS_WITH(launchers.validate(experiment),
                    Catch::StartsWith("/tmp/m.yaml:7:15: cell 1 (c): launcher docker gives its worker no GPU, "
                                      "so device 'cuda:1' cannot run in it"));
}

TEST_CASE("unshare enters fresh PID and mount namespaces, plus the ones asked for", "[argv]") {
  orch::Launchers launchers;
  auto settings = limited(orch::LauncherKind::kUnshare);
  settings.namespaces = {"net", "uts"};
  auto experiment = experiment_with(settings);
  auto launch = launchers.command(experiment, experiment.cells[0], {"1", "/r", "n"});
  const std::vector<std::string> expected = {
      "--pid", "--fork",       "--mount-proc", "--kill-child",      "--net",
      "--uts", "/usr/bin/env", "--",           "OMP_NUM_THREADS=2", "/opt/bench_worker"};
  CHECK(std::vector<std::string>(launch.argv.begin() + 1, launch.argv.begin() + 1 + expected.size()) == expected);
}

TEST_CASE("security: unshare, which runs as root, never gets the cell's env: only the worker does",
          "[argv][security]") {
  orch::Launchers launchers;
  auto settings = limited(orch::LauncherKind::kUnshare);
  settings.env = {{"LD_PRELOAD", "/tmp/evil.so"}};
  auto experiment = experiment_with(settings);
  experiment.worker.user = orch::UserIdentity{"nobody", 65534, 65534};
  auto launch = launchers.command(experiment, experiment.cells[0], {"1", "/r", "n"});
  CHECK(launch.env.empty());  // nothing added to unshare's own environment
  // setpriv switches users and then sets the parent-death signal (a switch would clear
  // unshare's); env -i starts the worker from nobody's base environment, not root's;
  // the variable comes last, as an argument of env(1).
  const auto& argv = launch.argv;
  const auto at = [&](const std::string& word) { return std::find(argv.begin(), argv.end(), word); };
  REQUIRE(at("LD_PRELOAD=/tmp/evil.so") != argv.end());
  CHECK(at("--reuid") < at("--pdeathsig"));
  CHECK(*(at("--pdeathsig") + 1) == "KILL");
  CHECK(*(at("-i") - 1) == "/usr/bin/env");
  CHECK(at("-i") < at("HOME=/nonexistent"));
  CHECK(at("HOME=/nonexistent") < at("LD_PRELOAD=/tmp/evil.so"));
  CHECK(at("LD_PRELOAD=/tmp/evil.so") < at("/opt/bench_worker"));
  CHECK(std::none_of(argv.begin(), argv.end(), [](const std::string& arg) { return arg.rfind("SECRET", 0) == 0; }));
}

TEST_CASE("commands are quoted for a shell only where needed", "[argv]") {
  CHECK(orch::quote_command({"/bin/x", "-c", "0-1", "a b", "it's", ""}) == "/bin/x -c 0-1 'a b' 'it'\\''s' ''");
}

TEST_CASE("a worker program whose path env(1) would take for a variable is refused where env(1) starts it", "[argv]") {
  orch::Launchers launchers;
  auto settings = limited(orch::LauncherKind::kUnshare);  // with a cell env: through env(1)
  auto experiment = experiment_with(settings);
  experiment.cells[0].settings.program = "/opt/lr=0.1/worker";
  if (geteuid() != 0) test::skip("unshare is refused for other reasons without root");
  if (launchers.cgroups().unusable_reason()) test::skip("unshare with limits needs cgroups here");
  CHECK_THROWS_WITH(launchers.validate(experiment),
                    Catch::Contains("starts the worker through env(1), which would take a program path with '='"));
  auto host = experiment_with({});
  host.cells[0].settings.program = "/opt/lr=0.1/worker";
  CHECK_NOTHROW(launchers.validate(host));  // no env(1) there
}

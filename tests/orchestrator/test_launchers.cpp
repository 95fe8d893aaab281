// argv construction: the worker's command line and each launcher's wrapping.
#include <catch2/catch.hpp>

#include "launchers/launcher.h"
#include "test_support.h"
#include "worker_command.h"

namespace {

orch::Experiment experiment_with(orch::CellSettings settings) {
  orch::Experiment experiment;
  experiment.matrix_path = "/tmp/m.yaml";
  experiment.worker.program = "/opt/bench_worker";
  experiment.worker.model_path = "/models/m.pt";
  experiment.worker.input_shape = {2, 3, 64, 64};
  experiment.worker.iterations = 50;
  experiment.worker.warmup_iterations = 5;
  orch::Cell cell;
  cell.label = "c";
  cell.settings = std::move(settings);
  cell.origins["launcher"] = {"/tmp/m.yaml", 7, 15};
  experiment.cells.push_back(cell);
  return experiment;
}

}  // namespace

TEST_CASE("the worker argv carries every worker setting and the per-run values", "[argv]") {
  auto experiment = experiment_with({});
  const std::vector<std::string> expected = {
      "/opt/bench_worker", "--model", "/models/m.pt", "--input-shape", "2,3,64,64", "--device", "cpu",
      "--warmup-iterations", "5", "--iterations", "50", "--spawn-ns", "123", "--result", "/tmp/r.json"};
  CHECK(orch::worker_argv(experiment.worker, {"123", "/tmp/r.json"}) == expected);
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
                    Catch::Contains("launcher host cannot restrict CPUs"));
}

TEST_CASE("commands are quoted for a shell only where needed", "[argv]") {
  CHECK(orch::quote_command({"/bin/x", "-c", "0-1", "a b", "it's", ""}) ==
        "/bin/x -c 0-1 'a b' 'it'\\''s' ''");
}

// Matrix parsing: expansion into cells, and one clear file:line:column error per mistake.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "matrix/matrix.h"
#include "test_support.h"

namespace {

std::string with_model(std::string text) {
  return std::regex_replace(text, std::regex("@MODEL@"), test::model("tiny_cnn.pt"));
}

orch::Experiment parse(const std::string& text) {
  return orch::parse_experiment(with_model(text), "/tmp/m.yaml", test::four_cpu_machine(), "/bin/true");
}

// The message of the UserError that parsing `text` raises; fails the test if none is.
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const orch::UserError& e) {
    return e.what();
  }
  FAIL("expected a UserError");
  return "";
}

const char* kHeader = "name: t\nworker: {model: @MODEL@}\n";

}  // namespace

TEST_CASE("matrix axes expand to their cartesian product, first axis slowest", "[matrix]") {
  auto experiment = parse(std::string(kHeader) + R"(
runs: 5
warmup_runs: 2
matrix:
  placement:
    - {launcher: host}
    - {launcher: taskset, cpuset: "0-1,3"}
  env:
    - {}
    - {OMP_NUM_THREADS: 1}
    - {OMP_NUM_THREADS: 2, MKL_NUM_THREADS: 2}
)");
  REQUIRE(experiment.cells.size() == 6);
  CHECK(experiment.runs == 5);
  CHECK(experiment.warmup_runs == 2);
  const auto& first = experiment.cells[0];
  CHECK(first.settings.launcher == orch::LauncherKind::kHost);
  CHECK(first.settings.cpuset.empty());
  CHECK(first.settings.env.empty());
  CHECK(first.label == "host, env unset");
  const auto& last = experiment.cells[5];
  CHECK(last.index == 5);
  CHECK(last.settings.launcher == orch::LauncherKind::kTaskset);
  CHECK(last.settings.cpuset == std::vector<int>{0, 1, 3});
  CHECK(last.settings.env == std::map<std::string, std::string>{{"MKL_NUM_THREADS", "2"}, {"OMP_NUM_THREADS", "2"}});
  CHECK(last.label == "taskset cpuset=0-1,3, MKL_NUM_THREADS=2 OMP_NUM_THREADS=2");
  CHECK(experiment.cells[1].settings.env.at("OMP_NUM_THREADS") == "1");
  CHECK(experiment.cells[3].settings.launcher == orch::LauncherKind::kTaskset);
}

TEST_CASE("settings remember where they were written", "[matrix]") {
  auto experiment = parse(std::string(kHeader) + "matrix:\n  launcher: [host, taskset]\n");
  const auto& origin = experiment.cells[1].origins.at(orch::Setting::kLauncher);
  CHECK(origin.line == 4);
  CHECK(origin.column == 20);
}

TEST_CASE("worker settings and defaults", "[matrix]") {
  auto defaults = parse(std::string(kHeader) + "matrix: {launcher: [host]}\n");
  CHECK(defaults.cells[0].settings.program == "/bin/true");
  CHECK(defaults.cells[0].settings.model_path == test::model("tiny_cnn.pt"));
  CHECK(defaults.cells[0].settings.input_shape == std::vector<int64_t>{1, 3, 224, 224});
  CHECK(defaults.cells[0].settings.iterations == 100);
  CHECK(defaults.cells[0].settings.warmup_iterations == 10);
  CHECK(defaults.runs == 3);
  CHECK(defaults.warmup_runs == 1);

  auto custom = parse(R"(
name: t
timeout_s: 2.5
worker:
  model: @MODEL@
  input_shape: [4, 3, 32, 32]
  iterations: 7
  warmup_iterations: 0
matrix: {launcher: [host]}
)");
  CHECK(custom.cells[0].settings.input_shape == std::vector<int64_t>{4, 3, 32, 32});
  CHECK(custom.cells[0].settings.iterations == 7);
  CHECK(custom.cells[0].settings.warmup_iterations == 0);
  CHECK(custom.timeout_s == 2.5);
}

TEST_CASE("relative model paths are anchored at the matrix file", "[matrix]") {
  test::TempDir dir;
  std::filesystem::create_directory(dir.path() / "models");
  std::filesystem::copy_file(test::model("tiny_cnn.pt"), dir.path() / "models" / "m.pt");
  const std::string path =
      dir.write("matrix.yaml", "name: t\nworker: {model: models/m.pt}\nmatrix: {launcher: [host]}\n");
  auto experiment = orch::load_experiment(path, test::four_cpu_machine(), "/bin/true");
  CHECK(experiment.cells[0].settings.model_path == (dir.path() / "models" / "m.pt").string());
  CHECK(experiment.matrix_text.find("models/m.pt") != std::string::npos);
}

TEST_CASE("an unknown key names its line and column and suggests the right one", "[matrix][errors]") {
  auto message = error_of("name: t\nworker:\n  model: @MODEL@\n  iteratons: 5\nmatrix: {launcher: [host]}\n");
  CHECK(message == "/tmp/m.yaml:4:3: unknown key 'iteratons' in worker; did you mean 'iterations'?");
  CHECK_THAT(error_of(std::string(kHeader) + "matrix: {launcher: [host]}\nrun: 3\n"),
             Catch::Contains("4:1: unknown key 'run' in top level; did you mean 'runs'?"));
}

TEST_CASE("a wrong type names the value", "[matrix][errors]") {
  CHECK_THAT(error_of(std::string(kHeader) + "runs: three\nmatrix: {launcher: [host]}\n"),
             Catch::Contains("m.yaml:3:7: runs: expected an integer, got 'three'"));
  CHECK_THAT(error_of(std::string(kHeader) + "runs: 0\nmatrix: {launcher: [host]}\n"),
             Catch::Contains("3:7: runs: 0 is out of range [1,"));
  CHECK_THAT(error_of(std::string(kHeader) + "matrix: {launcher: host}\n"),
             Catch::Contains("3:20: matrix.launcher: expected a non-empty list of values, got 'host'"));
  CHECK_THAT(error_of(std::string(kHeader) + "matrix:\n  env: [{OMP_NUM_THREADS: [1, 2]}]\n"),
             Catch::Contains("4:27: env.OMP_NUM_THREADS: expected a value, got a list"));
}

TEST_CASE("an empty matrix is rejected", "[matrix][errors]") {
  CHECK_THAT(error_of(std::string(kHeader) + "matrix: {}\n"), Catch::Contains("3:9: matrix is empty"));
  CHECK_THAT(error_of(std::string(kHeader) + "matrix:\n  launcher: []\n"),
             Catch::Contains("4:13: matrix.launcher: expected a non-empty list"));
  CHECK_THAT(error_of(kHeader), Catch::Contains("missing required key 'matrix'"));
}

TEST_CASE("a cpuset naming a CPU the machine lacks is rejected", "[matrix][errors]") {
  CHECK_THAT(error_of(std::string(kHeader) + "matrix:\n  cpuset: [\"0\", \"2-5\"]\n"),
             Catch::Contains("4:17: cpuset: CPU 4 does not exist on this machine"));
  CHECK_THAT(error_of(std::string(kHeader) + "matrix:\n  cpuset: [\"1-0\"]\n"),
             Catch::Contains("4:12: cpuset: CPU range '1-0' runs backwards"));
}

TEST_CASE("a missing model file is rejected at its key", "[matrix][errors]") {
  CHECK_THAT(error_of("name: t\nworker:\n  model: nowhere/model.pt\nmatrix: {launcher: [host]}\n"),
             Catch::Contains("m.yaml:3:10: worker.model: no such file: /tmp/nowhere/model.pt"));
}

TEST_CASE("one setting given by two axes is rejected", "[matrix][errors]") {
  CHECK_THAT(error_of(std::string(kHeader) +
                      "matrix:\n  launcher: [host]\n  placement: [{launcher: taskset, cpuset: \"0\"}]\n"),
             Catch::Contains("5:3: matrix.placement sets 'launcher', which axis 'launcher'"));
}

TEST_CASE("YAML syntax errors and duplicate keys carry their position", "[matrix][errors]") {
  CHECK_THAT(error_of("name: t\nworker: {model: x\nmatrix:\n"), Catch::Contains("m.yaml:3:7: YAML syntax error"));
  CHECK_THAT(error_of(std::string(kHeader) + "name: u\nmatrix: {launcher: [host]}\n"),
             Catch::Contains("3:1: duplicate key 'name' in top level"));
}

// Every file in tests/data/bad starts with "# expect: <text the error must contain>".
TEST_CASE("every broken file in the corpus gets its one expected error", "[matrix][errors]") {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::data("bad"))) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    std::string first_line = text.str().substr(0, text.str().find('\n'));
    const std::string marker = "# expect: ";
    REQUIRE(first_line.rfind(marker, 0) == 0);
    const std::string expected = entry.path().filename().string() + ":" + first_line.substr(marker.size());
    INFO(entry.path());
    try {
      orch::parse_experiment(with_model(text.str()), entry.path().filename().string(), test::four_cpu_machine(),
                             "/bin/true");
      FAIL("no error for " << entry.path());
    } catch (const orch::UserError& e) {
      CHECK_THAT(e.what(), Catch::StartsWith(expected));
    }
    ++files;
  }
  CHECK(files >= 8);
}

TEST_CASE("resource limits: quota in percent, memory in binary units, namespaces", "[matrix]") {
  auto experiment = parse(std::string(kHeader) + R"(
matrix:
  limits:
    - {launcher: cgroup, cpu_quota: 150%, memory: 2G}
    - {launcher: cgroup, cpu_quota: 50%, memory: 512Mi}
    - {launcher: unshare, memory: 8388608, namespaces: [net, uts]}
)");
  REQUIRE(experiment.cells.size() == 3);
  const auto& first = experiment.cells[0].settings;
  CHECK(first.launcher == orch::LauncherKind::kCgroup);
  CHECK(first.cpu_quota_percent == 150.0);
  CHECK(first.memory_bytes == (int64_t(2) << 30));
  CHECK(experiment.cells[0].label == "cgroup quota=150% memory=2G");
  CHECK(experiment.cells[1].settings.cpu_quota_percent == 50.0);
  CHECK(experiment.cells[1].settings.memory_bytes == (int64_t(512) << 20));
  CHECK(experiment.cells[2].settings.memory_bytes == 8388608);
  CHECK(experiment.cells[2].settings.namespaces == std::vector<std::string>{"net", "uts"});
}

TEST_CASE("bad resource limits are rejected where they stand", "[matrix][errors]") {
  const std::string head = std::string(kHeader) + "matrix:\n  limits:\n    - ";
  CHECK_THAT(error_of(head + "{cpu_quota: lots}\n"), Catch::Contains("5:19: cpu_quota: expected a percentage"));
  CHECK_THAT(error_of(head + "{cpu_quota: 900%}\n"),
             Catch::Contains("cpu_quota: 900% is more than this machine's 4 CPUs"));
  CHECK_THAT(error_of(head + "{cpu_quota: 0.5}\n"),
             Catch::Contains("5:19: cpu_quota: expected a percentage of one CPU like 150%, got the bare number 0.5"));
  CHECK_THAT(error_of(head + "{cpu_quota: 0.5%}\n"), Catch::Contains("0.5% is less than the kernel's smallest quota"));
  CHECK_THAT(error_of(head + "{memory: 2X}\n"), Catch::Contains("5:16: memory: expected a size"));
  CHECK_THAT(error_of(head + "{memory: 1K}\n"), Catch::Contains("at least 4M"));
  CHECK_THAT(error_of(head + "{memory: 99999999999999T}\n"), Catch::Contains("memory: expected a size"));
  CHECK_THAT(error_of(head + "{namespaces: [pid]}\n"), Catch::Contains("5:21: namespaces: unknown namespace 'pid'"));
}

TEST_CASE("two values of an axis may not share a label", "[matrix][errors]") {
  CHECK_THAT(error_of(std::string(kHeader) +
                      "matrix:\n  p:\n    - {label: a, launcher: host}\n    - {label: a, launcher: cgroup}\n"),
             Catch::Contains("6:7: matrix.p: two values have the label 'a'"));
}

TEST_CASE("cache policies: none, drop, evict, warm N", "[matrix]") {
  auto experiment = parse(std::string(kHeader) + "warmup_runs: 1\nmatrix:\n  cache: [none, evict, warm 3]\n");
  REQUIRE(experiment.cells.size() == 3);
  CHECK(experiment.cells[1].settings.cache.mode == orch::CachePolicy::Mode::kEvict);
  CHECK(experiment.cells[2].label == "cache=warm 3");
  CHECK(orch::warmup_runs_of(experiment, experiment.cells[0]) == 1);
  CHECK(orch::warmup_runs_of(experiment, experiment.cells[2]) == 3);
  CHECK_THAT(error_of(std::string(kHeader) + "matrix:\n  cache: [sometimes]\n"),
             Catch::Contains("4:11: cache: expected none, drop, evict or warm N, got 'sometimes'"));
  CHECK_FALSE(orch::parse_cache_policy("warm -1"));
  CHECK_FALSE(orch::parse_cache_policy("warm 2 extra"));
}

TEST_CASE("security: a name or label with a control character is refused where it stands", "[matrix][security]") {
  CHECK_THAT(error_of("name: \"a\\e[2Jb\"\nworker: {model: @MODEL@}\nmatrix: {launcher: [host]}\n"),
             Catch::StartsWith("/tmp/m.yaml:1:7: name: contains a control character"));
  CHECK_THAT(error_of(std::string(kHeader) + "matrix:\n  x: [{label: \"one\\ntwo\"}]\n"),
             Catch::StartsWith("/tmp/m.yaml:4:15: label: contains a control character"));
  CHECK_THAT(error_of(std::string(kHeader) + "matrix:\n  x: [{label: \"fast\\u202Ewols\"}]\n"),  // reads backwards
             Catch::StartsWith("/tmp/m.yaml:4:15: label: contains a control character"));
}

TEST_CASE("security: a matrix of more cells than --max-cells is refused before it is expanded", "[matrix][security]") {
  std::string text = std::string(kHeader) + "matrix:\n";
  for (int i = 0; i < 40; ++i) text += "  a" + std::to_string(i) + ": [{label: x}, {label: y}]\n";
  CHECK_THAT(error_of(text), Catch::Contains("expand to far more than 10000 cells, more than --max-cells 10000"));
  orch::MatrixOptions options;
  options.max_cells = 4;
  CHECK_THROWS_WITH(
      orch::parse_experiment(
          with_model(std::string(kHeader) + "matrix: {launcher: [host, taskset, unshare], env: [{}, {A: \"1\"}]}\n"),
          "/tmp/m.yaml", test::four_cpu_machine(), "/bin/true", options),
      Catch::StartsWith("/tmp/m.yaml:3:9: matrix: its axes (3 x 2 values) expand to 6 cells, more than "
                        "--max-cells 4"));
}

TEST_CASE("security: variables no execve could take are refused in the matrix", "[matrix][security]") {
  CHECK_THAT(error_of(std::string(kHeader) + "matrix:\n  env: [{A: " + std::string(131072, 'v') + "}]\n"),
             Catch::StartsWith("/tmp/m.yaml:4:13: env.A: 131072 bytes, more than the 131072 the kernel passes"));
  std::string aliased = std::string(kHeader) + "matrix:\n  env: [{A: &v " + std::string(100000, 'v');
  for (int i = 0; i < 40; ++i) aliased += ", B" + std::to_string(i) + ": *v";
  CHECK_THAT(error_of(aliased + "}]\n"), Catch::Contains("more than one process may be given (ARG_MAX"));
}

TEST_CASE("security: labels made of values are checked too, and invalid UTF-8 is refused", "[matrix][security]") {
  // A quota's label is made of the number, not of the text around it.
  auto experiment = parse(std::string(kHeader) + "matrix:\n  launcher: [cgroup]\n  cpu_quota: [\"\\n\\r 50%\"]\n");
  CHECK(experiment.cells.at(0).label == "cgroup, quota=50%");
  // A program whose file name holds a control character.
  test::TempDir dir;
  const std::string program = dir.write("w\x1b]0;x\x07", "#!/bin/sh\n");
  ::chmod(program.c_str(), 0755);
  CHECK_THAT(
      error_of(std::string(kHeader) + "matrix:\n  program: [\"" + dir.path().string() + "/" + "w\\e]0;x\\a\"]\n"),
      Catch::Contains("the label made of this value holds a control character"));
  CHECK_THAT(error_of(std::string(kHeader) + "matrix:\n  env: [{A: \"a\xff"
                                             "b\"}]\n"),  // a raw byte
             Catch::Contains("env.A: the value is not valid UTF-8"));
}

TEST_CASE("every worker setting can be an axis, and labels say only what differs", "[matrix]") {
  const std::string tiny = test::model("tiny_cnn.pt"), mobile = test::model("mobilenet_v2.pt");
  if (!std::filesystem::exists(mobile)) test::skip("build/models/mobilenet_v2.pt is not built");
  auto experiment = parse("name: t\nworker: {model: " + tiny +
                          ", iterations: 7}\nmatrix:\n"
                          "  model: [" +
                          tiny + ", " + mobile +
                          "]\n"
                          "  input_shape: [[1, 3, 32, 32], [8, 3, 32, 32]]\n"
                          "  iterations: [5, 9]\n"
                          "  torch_threads: [{intra_op: 1}, {intra_op: 2, inter_op: 1}]\n");
  REQUIRE(experiment.cells.size() == 16);
  const auto& first = experiment.cells[0];
  CHECK(first.label == "model=tiny_cnn.pt, input_shape=1x3x32x32, iterations=5, intra_op=1");
  CHECK(first.settings.model_path == tiny);
  CHECK(first.settings.input_shape == std::vector<int64_t>{1, 3, 32, 32});
  CHECK(first.settings.iterations == 5);
  const auto& last = experiment.cells[15];
  CHECK(last.label == "model=mobilenet_v2.pt, input_shape=8x3x32x32, iterations=9, intra_op=2 inter_op=1");
  CHECK(last.settings.model_path == mobile);
  CHECK(last.settings.input_shape == std::vector<int64_t>{8, 3, 32, 32});
  CHECK(last.settings.threads.inter_op == 1);
  // An axis's value beats the worker block's default; the rest keep the default.
  auto device = parse("name: t\nworker: {model: " + tiny +
                      ", warmup_iterations: 4}\nmatrix:\n"
                      "  warmup_iterations: [0, 2]\n  device: [cpu]\n");
  REQUIRE(device.cells.size() == 2);
  CHECK(device.cells[0].settings.warmup_iterations == 0);
  CHECK(device.cells[1].settings.warmup_iterations == 2);
  CHECK(device.cells[1].settings.device == "cpu");
  CHECK(device.cells[1].label == "warmup_iterations=2, device=cpu");
}

// The order of an experiment's runs: sequential, interleaved (round-robin, the
// default) and random (reproducible from its seed), cold cells last.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "matrix/matrix.h"
#include "run/run_order.h"
#include "test_support.h"

namespace {

orch::Experiment parse(const std::string& header, const std::string& cells) {
  const std::string text =
      "name: order\n" + header + "worker: {model: " + test::model("tiny_cnn.pt") + "}\nmatrix:\n  cells:\n" + cells;
  return orch::parse_experiment(text, "/tmp/m.yaml", test::four_cpu_machine(), "/bin/true");
}

const std::string kThreeCells = "    - {label: a}\n    - {label: b}\n    - {label: c}\n";

// "a0 b0 c0 a1 ...": cell label and run index, in execution order.
std::string order_text(const orch::Experiment& experiment, int64_t seed = 0) {
  std::string text;
  for (const auto& run : orch::schedule_runs(experiment, seed))
    text += (text.empty() ? "" : " ") + experiment.cells.at(static_cast<size_t>(run.cell_index)).label +
            std::to_string(run.run_index);
  return text;
}

}  // namespace

TEST_CASE("run order: interleaved is the default, round-robin over cells, warm-up runs first", "[order]") {
  const auto experiment = parse("runs: 2\nwarmup_runs: 1\n", kThreeCells);
  CHECK(experiment.order == orch::RunOrder::kInterleaved);
  CHECK(order_text(experiment) == "a0 b0 c0 a1 b1 c1 a2 b2 c2");
}

TEST_CASE("run order: sequential runs each cell's runs back to back", "[order]") {
  CHECK(order_text(parse("order: sequential\nruns: 2\nwarmup_runs: 1\n", kThreeCells)) == "a0 a1 a2 b0 b1 b2 c0 c1 c2");
}

TEST_CASE("run order: cells that make every run cold run after the warm ones", "[order]") {
  const auto experiment = parse("runs: 2\nwarmup_runs: 0\n",
                                "    - {label: a, cache: drop}\n    - {label: b}\n    - {label: c, cache: "
                                "\"warm 1\"}\n    - {label: d, cache: evict}\n");
  // b and c interleaved (c has a warm-up run of its own, so three rounds), then a and d.
  CHECK(order_text(experiment) == "b0 c0 b1 c1 c2 a0 d0 a1 d1");
}

TEST_CASE("run order: random keeps warm-ups first and each cell's runs in order, and its seed reproduces it",
          "[order]") {
  const auto experiment = parse("order: random\nruns: 4\nwarmup_runs: 1\n", kThreeCells);
  const std::string first = order_text(experiment, 42);
  CHECK(first == order_text(experiment, 42));
  CHECK(first.rfind("a0 b0 c0 ", 0) == 0);
  CHECK(first != order_text(experiment, 43));
  // Every run once, each cell's in run-index order.
  for (const std::string cell : {"a", "b", "c"}) {
    size_t at = 0;
    for (int run = 0; run < 5; ++run) {
      const size_t found = first.find(cell + std::to_string(run), at);
      REQUIRE(found != std::string::npos);
      at = found;
    }
  }
  // Fixed by the standard's mt19937_64: the same on every machine and library.
  CHECK(first == "a0 b0 c0 c1 a1 a2 a3 b1 b2 c2 b3 c3 c4 a4 b4");
  CHECK(orch::schedule_runs(experiment, 42).size() == 15);
}

TEST_CASE("run order: an unknown order or a seed without random is refused where it is written", "[order]") {
  CHECK_THROWS_WITH(parse("order: interleave\n", kThreeCells),
                    Catch::Contains("/tmp/m.yaml:2:8") && Catch::Contains("did you mean 'interleaved'"));
  CHECK_THROWS_WITH(parse("order_seed: 7\n", kThreeCells),
                    Catch::Contains("/tmp/m.yaml:2:13") && Catch::Contains("only order: random uses a seed"));
  CHECK(parse("order: random\norder_seed: 7\n", kThreeCells).order_seed == 7);
}

TEST_CASE("a matrix of more than a million runs is refused at its runs key, before any cell is scheduled", "[order]") {
  std::string cells;
  for (int i = 0; i < 20; ++i) cells += "    - {label: c" + std::to_string(i) + "}\n";
  CHECK_THROWS_WITH(parse("runs: 100000\n", cells), Catch::Contains("/tmp/m.yaml:2:7") &&
                                                        Catch::Contains("2000020 runs") &&
                                                        Catch::Contains("more than 1000000"));
}

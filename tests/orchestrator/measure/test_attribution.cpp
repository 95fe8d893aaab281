// Attribution: one phrase per counter past its threshold, none without evidence.
#include <catch2/catch.hpp>

#include "measure/attribution.h"

namespace {

orch::StoredRun run(double others_share, const std::string& warnings) {
  orch::StoredRun run;
  run.status = "ok";
  run.effective_cpus = std::string("0-1");
  run.intra_op_threads = int64_t{2};
  run.others_cpu_share = others_share;
  run.warnings = warnings;
  run.throttled_ms = 0.0;
  run.wall_ms = 1000.0;
  run.major_faults = 0;
  return run;
}

}  // namespace

TEST_CASE("attribution: interference and swap name their figures, a quiet cell gets nothing", "[attribution-unit]") {
  const auto busy = orch::attribution({run(0.3, ""), run(0.31, "swap"), run(0.29, "cv,swap")});
  REQUIRE(busy.size() == 2);
  CHECK(busy[0] == "interference: other processes used 0.6 CPU of its 2");
  CHECK(busy[1] == "memory: swap in use (2 of 3 runs)");
  CHECK(orch::attribution({run(0.02, ""), run(0.01, "cv")}).empty());
  CHECK(orch::attribution({}).empty());
}

// "Did you mean" suggestions.
#include <catch2/catch.hpp>

#include "common/spelling.h"

TEST_CASE("close misspellings get a suggestion, unrelated words none", "[spelling]") {
  const std::vector<std::string> keys = {"runs", "warmup_runs", "timeout_s", "worker", "matrix"};
  CHECK(orch::closest_match("run", keys) == "runs");
  CHECK(orch::closest_match("wroker", keys) == "worker");
  CHECK(orch::closest_match("Matrix", keys) == "matrix");
  CHECK(orch::closest_match("warmup_rns", keys) == "warmup_runs");
  CHECK_FALSE(orch::closest_match("banana", keys));
}

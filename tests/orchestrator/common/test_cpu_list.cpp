// CPU list notation.
#include <catch2/catch.hpp>

#include "common/cpu_list.h"

TEST_CASE("CPU lists parse to sorted unique CPUs", "[cpu_list]") {
  CHECK(orch::parse_cpu_list("0") == std::vector<int>{0});
  CHECK(orch::parse_cpu_list("0-3,8,10-11") == std::vector<int>{0, 1, 2, 3, 8, 10, 11});
  CHECK(orch::parse_cpu_list("3,1,1-2") == std::vector<int>{1, 2, 3});
}

TEST_CASE("malformed CPU lists are rejected", "[cpu_list]") {
  for (const char* bad : {"", "a", "1-", "-1", "3-1", "1,,2", "1,", "0x1", "1.5", "0-2000000000", "99999999999"})
    CHECK_THROWS_AS(orch::parse_cpu_list(bad), std::invalid_argument);
}

TEST_CASE("CPU lists print in their shortest form", "[cpu_list]") {
  CHECK(orch::format_cpu_list({0, 1, 2, 3, 8, 10, 11}) == "0-3,8,10-11");
  CHECK(orch::format_cpu_list({5}) == "5");
  CHECK(orch::format_cpu_list({}) == "");
}

// Cache policies: the setting's values, and evict and residency against a real file
// in the page cache (mincore).
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "matrix/cache_setting.h"
#include "run/cache_policy.h"
#include "run/cold_start_files.h"
#include "test_support.h"

TEST_CASE("cache setting: each policy reads back as written, anything else is refused", "[cache]") {
  for (const char* text : {"none", "drop", "evict", "warm 0", "warm 3"}) {
    const auto policy = orch::parse_cache_policy(text);
    REQUIRE(policy);
    CHECK(policy->text() == text);
  }
  CHECK(orch::parse_cache_policy("warm 3")->warm_runs == 3);
  for (const char* text : {"", "cold", "warm", "warm -1", "warm 2x", "warm 1001", "Drop"})
    CHECK_FALSE(orch::parse_cache_policy(text));
}

TEST_CASE("cache setting: drop needs root, the others need nothing", "[cache]") {
  const auto drop = orch::cache_policy_problem({orch::CachePolicy::Mode::kDrop, 0});
  if (::geteuid() == 0) {
    CHECK_FALSE(drop);
  } else {
    REQUIRE(drop);
    CHECK_THAT(*drop, Catch::Contains("drop needs root"));
  }
  CHECK_FALSE(orch::cache_policy_problem({orch::CachePolicy::Mode::kEvict, 0}));
  CHECK_FALSE(orch::cache_policy_problem({orch::CachePolicy::Mode::kWarm, 2}));
}

TEST_CASE("cache evict: a file just read is resident, and is not once evicted", "[cache]") {
  test::TempDir dir;
  const std::string model = dir.file("model.pt");
  {
    std::ofstream out(model, std::ios::binary);
    const std::string block(1 << 20, 'x');
    for (int i = 0; i < 8; ++i) out << block;
  }
  {  // written back, then read: in the page cache
    const int fd = ::open(model.c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    ::fsync(fd);
    char buffer[1 << 16];
    while (::read(fd, buffer, sizeof buffer) > 0) {
    }
    ::close(fd);
  }
  const auto before = orch::resident_percent(model);
  REQUIRE(before);
  if (*before < 90) test::skip("this file system keeps no page cache for the test file (tmpfs?)");
  orch::ColdStartFiles files;
  files.model = model;
  const std::string action = orch::apply_cache_policy({orch::CachePolicy::Mode::kEvict, 0}, files);
  CHECK_THAT(action, Catch::StartsWith("evicted 1 of 1 files"));
  const auto after = orch::resident_percent(model);
  REQUIRE(after);
  CHECK(*after < 10);
  // none and warm do nothing to the cache.
  CHECK(orch::apply_cache_policy({orch::CachePolicy::Mode::kNone, 0}, files).empty());
  CHECK(orch::apply_cache_policy({orch::CachePolicy::Mode::kWarm, 1}, files).empty());
}

TEST_CASE("cache residency: no figure for what is not a regular file", "[cache]") {
  CHECK_FALSE(orch::resident_percent("/dev/zero"));
  CHECK_FALSE(orch::resident_percent("/nonexistent/file"));
}

// The cache setting of a cell: what its policy does to the page cache before a run
// (run/cache_policy.h applies it):
//   none      nothing
//   drop      sync, then echo 3 > /proc/sys/vm/drop_caches before each measured run (root)
//   evict     posix_fadvise(DONTNEED) on the model and every file the worker program
//             loads (run/cold_start_files.h), before each measured run: a cold start of
//             the files that matter, without root and without emptying the machine's cache
//   warm N    N discarded fresh-process runs first (instead of warmup_runs), no dropping
#pragma once

#include <optional>
#include <string>

namespace orch {

inline constexpr const char* kDropCaches = "/proc/sys/vm/drop_caches";

struct CachePolicy {
  enum class Mode { kNone, kDrop, kEvict, kWarm } mode = Mode::kNone;
  int warm_runs = 0;  // with kWarm

  std::string text() const;  // "none", "drop", "evict", "warm 3"
  bool operator==(const CachePolicy& other) const { return mode == other.mode && warm_runs == other.warm_runs; }
};

// Parses "none", "drop", "evict" or "warm N"; nullopt otherwise.
std::optional<CachePolicy> parse_cache_policy(const std::string& text);

// Why `policy` cannot be applied by this process; nullopt when it can.
std::optional<std::string> cache_policy_problem(const CachePolicy& policy);

}  // namespace orch

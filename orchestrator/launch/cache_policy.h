// What the page cache holds before a run, and what a cell's cache policy does to it:
//   none      nothing
//   drop      sync, then echo 3 > /proc/sys/vm/drop_caches before each measured run (root)
//   evict     posix_fadvise(DONTNEED) on the model and every file the worker program
//             loads (cold_start_files.h), before each measured run: a cold start of
//             the files that matter, without root and without emptying the machine's cache
//   warm N    N discarded fresh-process runs first (instead of warmup_runs), no dropping
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <vector>

namespace orch {

struct CachePolicy {
  enum class Mode { kNone, kDrop, kEvict, kWarm } mode = Mode::kNone;
  int warm_runs = 0;  // with kWarm

  std::string text() const;  // "none", "drop", "evict", "warm 3"
  bool operator==(const CachePolicy& other) const { return mode == other.mode && warm_runs == other.warm_runs; }
};

// Parses "none", "drop", "evict" or "warm N"; nullopt otherwise.
std::optional<CachePolicy> parse_cache_policy(const std::string& text);

// Share of `path`'s pages in the page cache (mincore), in percent; nullopt if unreadable,
// or when the kernel would not tell this process (not root, file not writable).
std::optional<double> resident_percent(const std::string& path);

// Why `policy` cannot be applied by this process; nullopt when it can.
std::optional<std::string> cache_policy_problem(const CachePolicy& policy);

// The files whose caching decides a cold start (cold_start_files.h).
struct ColdStartFiles;

// Applies a drop or evict before a run; says what it did ("dropped all caches in
// 31 ms", "evicted 288 of 288 files in 4 ms") or why it could not. An evict runs as
// `run_as` (the worker's user, uid and gid) when given: only files that user can
// open are evicted.
std::string apply_cache_policy(const CachePolicy& policy, const ColdStartFiles& files,
                               const std::optional<std::pair<uint32_t, uint32_t>>& run_as = std::nullopt);

}  // namespace orch

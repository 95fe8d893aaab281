// What the page cache holds before a run, and the cell's cache policy applied to it
// (the policies are described in matrix/cache_setting.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "matrix/cache_setting.h"

namespace orch {

// Share of `path`'s pages in the page cache (mincore), in percent; nullopt if unreadable,
// or when the kernel would not tell this process (not root, file not writable).
std::optional<double> resident_percent(const std::string& path);

// The files whose caching decides a cold start (cold_start_files.h).
struct ColdStartFiles;

// Applies a drop or evict before a run; says what it did ("dropped all caches in
// 31 ms", "evicted 288 of 288 files in 4 ms") or why it could not. An evict runs as
// `run_as` (the worker's user, uid and gid) when given: only files that user can
// open are evicted.
std::string apply_cache_policy(const CachePolicy& policy, const ColdStartFiles& files,
                               const std::optional<std::pair<uint32_t, uint32_t>>& run_as = std::nullopt);

}  // namespace orch

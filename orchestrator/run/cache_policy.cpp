// Page-cache residency, and cache policies applied (see cache_policy.h).
#include "run/cache_policy.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>
#include <vector>

#include "common/safe_files.h"
#include "run/cold_start_files.h"

namespace orch {
namespace {

// mincore() looks at a file through windows of this size, and at no file larger
// than kMaxResidencyBytes (a sparse file could be terabytes).
constexpr size_t kResidencyWindowBytes = size_t(1) << 30;
constexpr off_t kMaxResidencyBytes = off_t(64) << 30;

std::string elapsed_ms(std::chrono::steady_clock::time_point since) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since);
  return std::to_string(ms.count()) + " ms";
}

}  // namespace

std::optional<double> resident_percent(const std::string& path) {
  // Since Linux 5.2 mincore() tells the page-cache state only to whom could write the
  // file (a side-channel fix); to anyone else it answers something else. No number
  // beats a wrong one.
  if (::geteuid() != 0 && ::access(path.c_str(), W_OK) != 0) return std::nullopt;
  const Fd file = open_regular_for_reading(path);  // a worker may have swapped in a FIFO or a device
  struct stat st {};
  if (!file || ::fstat(file.get(), &st) != 0 || st.st_size > kMaxResidencyBytes) return std::nullopt;
  if (st.st_size == 0) return 100.0;
  // Window by window, so that neither the map nor the page vector grows with the file.
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t size = static_cast<size_t>(st.st_size);
  size_t pages = 0, in_cache = 0;
  std::vector<unsigned char> resident(kResidencyWindowBytes / page);
  for (size_t offset = 0; offset < size; offset += kResidencyWindowBytes) {
    const size_t length = std::min(kResidencyWindowBytes, size - offset);
    void* map = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, file.get(), static_cast<off_t>(offset));
    if (map == MAP_FAILED) return std::nullopt;
    const bool ok = ::mincore(map, length, resident.data()) == 0;
    ::munmap(map, length);
    if (!ok) return std::nullopt;
    const size_t window_pages = (length + page - 1) / page;
    for (size_t i = 0; i < window_pages; ++i) in_cache += resident[i] & 1;
    pages += window_pages;
  }
  return 100.0 * static_cast<double>(in_cache) / static_cast<double>(pages);
}

namespace {

int evict_here(const std::vector<std::string>& paths) {
  int evicted = 0;
  for (const auto& path : paths) {
    const Fd file = open_regular_for_reading(path);  // a worker may have swapped in a FIFO or a device
    if (file && ::posix_fadvise(file.get(), 0, 0, POSIX_FADV_DONTNEED) == 0) ++evicted;
  }
  return evicted;
}

// Evicts `paths` as `run_as` (the worker's user), in a child process: a worker names
// these files, and may make root evict only what its own user could open, never a
// file of root's from everyone's page cache. (The orchestrator has no other thread
// at this point, so the child may do more than async-signal-safe calls.)
int evict_as(const std::vector<std::string>& paths, const std::optional<std::pair<uint32_t, uint32_t>>& run_as) {
  if (!run_as) return evict_here(paths);
  int count[2];
  if (::pipe2(count, O_CLOEXEC) != 0) return 0;
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(count[0]);
    if (::setgroups(0, nullptr) != 0 || ::setgid(run_as->second) != 0 || ::setuid(run_as->first) != 0) ::_exit(1);
    const int evicted = evict_here(paths);
    (void)!::write(count[1], &evicted, sizeof(evicted));
    ::_exit(0);
  }
  ::close(count[1]);
  int evicted = 0;
  if (child < 0 || ::read(count[0], &evicted, sizeof(evicted)) != sizeof(evicted)) evicted = 0;
  ::close(count[0]);
  if (child > 0) ::waitpid(child, nullptr, 0);
  return evicted;
}

}  // namespace

std::string apply_cache_policy(const CachePolicy& policy, const ColdStartFiles& files,
                               const std::optional<std::pair<uint32_t, uint32_t>>& run_as) {
  const auto start = std::chrono::steady_clock::now();
  if (policy.mode == CachePolicy::Mode::kDrop) {
    ::sync();
    const int fd = ::open(kDropCaches, O_WRONLY | O_CLOEXEC);
    const bool dropped = fd >= 0 && ::write(fd, "3", 1) == 1;
    const std::string error = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return dropped ? "dropped all caches in " + elapsed_ms(start) : "could not drop caches: " + error;
  }
  if (policy.mode == CachePolicy::Mode::kEvict) {
    std::vector<std::string> all = files.libraries;
    all.push_back(files.model);
    const int evicted = evict_as(all, run_as);
    return "evicted " + std::to_string(evicted) + " of " + std::to_string(all.size()) + " files in " +
           elapsed_ms(start);
  }
  return "";
}

}  // namespace orch

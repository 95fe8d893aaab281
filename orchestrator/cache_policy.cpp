// Page-cache policies and residency (see cache_policy.h).
#include "cache_policy.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>

#include "cold_start_files.h"

namespace orch {
namespace {

constexpr const char* kDropCaches = "/proc/sys/vm/drop_caches";

std::string elapsed_ms(std::chrono::steady_clock::time_point since) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since);
  return std::to_string(ms.count()) + " ms";
}

}  // namespace

std::string CachePolicy::text() const {
  switch (mode) {
    case Mode::kNone: return "none";
    case Mode::kDrop: return "drop";
    case Mode::kEvict: return "evict";
    case Mode::kWarm: return "warm " + std::to_string(warm_runs);
  }
  return "none";
}

std::optional<CachePolicy> parse_cache_policy(const std::string& text) {
  if (text == "none") return CachePolicy{CachePolicy::Mode::kNone, 0};
  if (text == "drop") return CachePolicy{CachePolicy::Mode::kDrop, 0};
  if (text == "evict") return CachePolicy{CachePolicy::Mode::kEvict, 0};
  std::istringstream words(text);
  std::string word;
  int runs = -1;
  if (words >> word >> runs && word == "warm" && runs >= 0 && runs <= 1000 && words.eof())
    return CachePolicy{CachePolicy::Mode::kWarm, runs};
  return std::nullopt;
}

std::optional<double> resident_percent(const std::string& path) {
  // Since Linux 5.2 mincore() tells the page-cache state only to whom could write the
  // file (a side-channel fix); to anyone else it answers something else. No number
  // beats a wrong one.
  if (::geteuid() != 0 && ::access(path.c_str(), W_OK) != 0) return std::nullopt;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::optional<double> percent;
  if (::fstat(fd, &st) == 0 && st.st_size == 0) percent = 100.0;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    void* map = ::mmap(nullptr, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (map != MAP_FAILED) {
      const long page = ::sysconf(_SC_PAGESIZE);
      const size_t pages = (st.st_size + page - 1) / page;
      std::vector<unsigned char> resident(pages);
      if (::mincore(map, st.st_size, resident.data()) == 0) {
        size_t in_cache = 0;
        for (unsigned char flag : resident) in_cache += flag & 1;
        percent = 100.0 * in_cache / pages;
      }
      ::munmap(map, st.st_size);
    }
  }
  ::close(fd);
  return percent;
}

std::optional<std::string> cache_policy_problem(const CachePolicy& policy) {
  if (policy.mode == CachePolicy::Mode::kDrop && ::access(kDropCaches, W_OK) != 0)
    return std::string("cache: drop needs root (it writes ") + kDropCaches + ")";
  return std::nullopt;
}

std::string apply_cache_policy(const CachePolicy& policy, const ColdStartFiles& files) {
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
    int evicted = 0;
    for (const auto& path : all) {
      const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      if (::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0) ++evicted;
      ::close(fd);
    }
    return "evicted " + std::to_string(evicted) + " of " + std::to_string(all.size()) + " files in " +
           elapsed_ms(start);
  }
  return "";
}

}  // namespace orch

// The cache setting's values (see cache_setting.h).
#include "matrix/cache_setting.h"

#include <unistd.h>

#include <sstream>

namespace orch {

std::string CachePolicy::text() const {
  switch (mode) {
    case Mode::kNone:
      return "none";
    case Mode::kDrop:
      return "drop";
    case Mode::kEvict:
      return "evict";
    case Mode::kWarm:
      return "warm " + std::to_string(warm_runs);
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

std::optional<std::string> cache_policy_problem(const CachePolicy& policy) {
  if (policy.mode == CachePolicy::Mode::kDrop && ::access(kDropCaches, W_OK) != 0)
    return std::string("cache: drop needs root (it writes ") + kDropCaches + ")";
  return std::nullopt;
}

}  // namespace orch

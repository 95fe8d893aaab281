// Text helpers: joining every list the orchestrator prints or stores, and counts.
#pragma once

#include <string>
#include <vector>

namespace orch {

inline std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : separator) + part;
  return text;
}

// An input shape (or any list of integers) as "1,3,224,224".
template <typename Int>
std::string join_numbers(const std::vector<Int>& numbers, const std::string& separator = ",") {
  std::vector<std::string> parts;
  for (auto number : numbers) parts.push_back(std::to_string(number));
  return join(parts, separator);
}

// "1 cell", "3 cells".
inline std::string count(size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

}  // namespace orch

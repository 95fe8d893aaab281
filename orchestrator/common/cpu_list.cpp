// Parsing and printing of CPU lists (see cpu_list.h).
#include "common/cpu_list.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace orch {
namespace {

constexpr int kMaxCpus = 8192;  // the kernel's largest NR_CPUS

int parse_cpu(std::string_view text, std::string_view whole) {
  int value = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0)
    throw std::invalid_argument("'" + std::string(whole) + "' is not a CPU list (like 0-3,8)");
  if (value >= kMaxCpus)
    throw std::invalid_argument("CPU " + std::to_string(value) + " is beyond any machine's " +
                                std::to_string(kMaxCpus) + " CPUs");
  return value;
}

}  // namespace

std::vector<int> parse_cpu_list(std::string_view text) {
  std::vector<int> cpus;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    auto dash = part.find('-');
    int first = parse_cpu(part.substr(0, dash), text);
    int last = dash == std::string_view::npos ? first : parse_cpu(part.substr(dash + 1), text);
    if (last < first) throw std::invalid_argument("CPU range '" + std::string(part) + "' runs backwards");
    for (int cpu = first; cpu <= last; ++cpu) cpus.push_back(cpu);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
    if (text.empty()) throw std::invalid_argument("CPU list ends with a comma");
  }
  if (cpus.empty()) throw std::invalid_argument("empty CPU list");
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string format_cpu_list(const std::vector<int>& cpus) {
  std::string text;
  for (size_t i = 0; i < cpus.size();) {
    size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!text.empty()) text += ',';
    text += std::to_string(cpus[i]);
    if (j > i) text += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return text;
}

}  // namespace orch

// Which machines measured what, and how they differ (see hosts.h).
#include "measure/hosts.h"

#include <algorithm>
#include <map>

#include "common/cpu_list.h"
#include "common/text.h"

namespace orch {
namespace {

struct Fact {
  const char* column;
  const char* name;
};
constexpr Fact kFacts[] = {{kHostFactColumns[0], "host name"}, {kHostFactColumns[1], "CPU model"},
                           {kHostFactColumns[2], "kernel"},    {kHostFactColumns[3], "governor"},
                           {kHostFactColumns[4], "SMT"},       {kHostFactColumns[5], "memory (MiB)"}};
static_assert(std::size(kFacts) == std::size(kHostFactColumns), "a name for every host fact");

// A fact as compared: "" when unknown (NULL, '', or 0 MiB: older experiments and
// machines without cpufreq do not say).
std::string fact_of(const Columns& facts, const Fact& fact) {
  const std::string text = printable(text_of(value_of(facts, fact.column)));
  return text == "0" ? "" : text;
}

// "cell 1", "cell 2", "cell 3", "cell 7" -> "cells 1-3, 7"; others joined as they are.
std::string what_ran(const std::vector<std::string>& what) {
  if (what.size() == 1) return what.front();
  std::vector<int> numbers;
  for (const auto& each : what) {
    if (each.rfind("cell ", 0) != 0) return join(what, ", ");
    numbers.push_back(std::stoi(each.substr(5)));
  }
  return "cells " + join(split(format_cpu_list(numbers), ','), ", ");
}

}  // namespace

std::optional<std::string> describe_mixed_hosts(const std::vector<HostUse>& uses) {
  // Only the facts every use knows are compared: an unknown one is no difference.
  std::vector<const Fact*> known;
  for (const auto& fact : kFacts)
    if (std::all_of(uses.begin(), uses.end(), [&](const HostUse& use) { return !fact_of(use.facts, fact).empty(); }))
      known.push_back(&fact);
  std::map<std::vector<std::string>, std::vector<std::string>> by_host;  // known facts -> what ran there
  for (const auto& use : uses) {
    std::vector<std::string> key = {fact_of(use.facts, kFacts[0])};  // the host name names the group
    for (const Fact* fact : known) key.push_back(fact_of(use.facts, *fact));
    auto& what = by_host[key];
    if (std::find(what.begin(), what.end(), use.what) == what.end()) what.push_back(use.what);
  }
  if (by_host.size() < 2) return std::nullopt;
  std::vector<std::string> groups;
  for (const auto& [key, what] : by_host)
    groups.push_back(what_ran(what) + " on " + (key[0].empty() ? std::string("an unknown host") : key[0]));
  std::vector<std::string> differ;
  for (size_t fact = 0; fact < known.size(); ++fact) {
    std::vector<std::string> values;
    for (const auto& [key, what] : by_host)
      if (std::find(values.begin(), values.end(), key[fact + 1]) == values.end()) values.push_back(key[fact + 1]);
    if (values.size() < 2) continue;
    differ.push_back(known[fact]->name);
    if (known[fact] != &kFacts[0]) differ.back() += " (" + join(values, " / ") + ")";
  }
  if (differ.empty()) differ.push_back("host name, as far as they say");
  return join(groups, "; ") + "; they differ in " + join(differ, ", ");
}

}  // namespace orch

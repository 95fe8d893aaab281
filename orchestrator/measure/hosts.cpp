// Which machines measured what, and how they differ (see hosts.h).
#include "measure/hosts.h"

#include <algorithm>
#include <map>

#include "common/text.h"

namespace orch {
namespace {

struct Fact {
  const char* column;
  const char* name;
};
constexpr Fact kFacts[] = {{"hostname", "host name"},
                           {"cpu_model", "CPU model"},
                           {"kernel", "kernel"},
                           {"governor", "governor"},
                           {"smt", "SMT"},
                           {"memory_mib", "memory (MiB)"}};

std::vector<std::string> key_of(const Columns& facts) {
  std::vector<std::string> key;
  for (const auto& fact : kFacts) key.push_back(printable(text_of(value_of(facts, fact.column))));
  return key;
}

}  // namespace

std::optional<std::string> describe_mixed_hosts(const std::vector<HostUse>& uses) {
  std::map<std::vector<std::string>, std::vector<std::string>> by_host;  // facts -> what ran there
  for (const auto& use : uses) {
    auto& what = by_host[key_of(use.facts)];
    if (std::find(what.begin(), what.end(), use.what) == what.end()) what.push_back(use.what);
  }
  if (by_host.size() < 2) return std::nullopt;
  std::vector<std::string> groups;
  for (const auto& [key, what] : by_host) {
    // "cell 1", "cell 2" -> "cells 1, 2"
    std::string text = what.front();
    if (what.size() > 1) {
      const size_t space = text.find(' ');
      text = text.substr(0, space) + "s " + text.substr(space + 1);
      for (size_t i = 1; i < what.size(); ++i) text += ", " + what[i].substr(what[i].find(' ') + 1);
    }
    groups.push_back(text + " on " + key[0]);
  }
  std::vector<std::string> differ;
  for (size_t fact = 0; fact < std::size(kFacts); ++fact) {
    std::vector<std::string> values;
    for (const auto& [key, what] : by_host)
      if (std::find(values.begin(), values.end(), key[fact]) == values.end()) values.push_back(key[fact]);
    if (values.size() < 2) continue;
    differ.push_back(kFacts[fact].name);
    if (fact > 0) differ.back() += " (" + join(values, " / ") + ")";
  }
  return join(groups, "; ") + "; they differ in " + join(differ, ", ");
}

}  // namespace orch

// Reading YAML values where they stand: every key, type and value is checked at its
// node, so that each error names the exact file:line:column. Typing only: what the
// machine allows is feasibility.h's to say.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "common/error.h"
#include "common/spelling.h"
#include "common/text.h"
#include "matrix/experiment.h"

namespace orch {

class YamlReader {
 public:
  // `file` names the matrix in messages; its folder anchors relative paths.
  explicit YamlReader(std::string file);

  const std::string& file() const { return file_; }
  // The same reader for the values of a block: messages name its keys "block.key".
  YamlReader within(const std::string& block) const;
  std::string named(const std::string& key) const;
  SourceLocation at(const YAML::Node& node) const;
  [[noreturn]] void fail(const YAML::Node& node, const std::string& what, const std::string& hint = {}) const;
  static std::string describe(const YAML::Node& node);  // "a list", "'abc'"

  // Calls fn(key, value) -- or fn(key, value, key_node) -- for each entry; rejects
  // non-mappings, duplicate keys and, when `known` is not empty, unknown keys (with
  // "did you mean").
  template <typename Fn>
  void for_each_entry(const YAML::Node& map, const std::string& where, const std::vector<std::string>& known,
                      Fn&& fn) const {
    if (!map.IsMap()) fail(map, where + ": expected a mapping, got " + describe(map));
    std::set<std::string> seen;
    for (const auto& entry : map) {
      const std::string key = entry.first.Scalar();
      if (!seen.insert(key).second) fail(entry.first, "duplicate key '" + key + "' in " + where);
      if (!known.empty() && std::find(known.begin(), known.end(), key) == known.end()) {
        auto suggestion = closest_match(key, known);
        fail(entry.first,
             "unknown key '" + key + "' in " + where + (suggestion ? "; did you mean '" + *suggestion + "'?" : ""),
             "known keys here: " + join(known, ", "));
      }
      if constexpr (std::is_invocable_v<Fn, const std::string&, const YAML::Node&, const YAML::Node&>)
        fn(key, entry.second, entry.first);
      else
        fn(key, entry.second);
    }
  }

  std::string string(const YAML::Node& value, const std::string& key) const;  // a non-empty scalar
  // A name or label: printed in logs and tables, so one line without control characters.
  std::string label_text(const YAML::Node& value, const std::string& key) const;
  bool boolean(const YAML::Node& value, const std::string& key) const;  // true or false
  long integer(const YAML::Node& value, const std::string& key, long min, long max) const;
  double number(const YAML::Node& value, const std::string& key, double min, double max) const;
  // An existing file; relative paths are anchored at the matrix file's folder.
  std::string existing_file(const YAML::Node& value, const std::string& key) const;
  std::string executable(const YAML::Node& value, const std::string& key) const;

  // The value types of the settings (settings.h); `key` is the setting's, for messages.
  // One of `names` (a `what`: "launcher"), as its index; an unknown one gets the closest as a suggestion.
  size_t choice(const YAML::Node& value, const std::string& key, const std::vector<std::string>& names,
                const std::string& what) const;
  LauncherKind launcher(const YAML::Node& value, const std::string& key) const;
  std::vector<int> cpu_list(const YAML::Node& value, const std::string& key) const;
  double cpu_quota_percent(const YAML::Node& value, const std::string& key) const;  // "150%"
  int64_t memory_bytes(const YAML::Node& value, const std::string& key) const;      // "2G", "512M"
  std::map<std::string, std::string> env(const YAML::Node& map, const std::string& key) const;
  std::vector<std::string> namespaces(const YAML::Node& value, const std::string& key) const;
  CellSettings::Threads threads(const YAML::Node& map, const std::string& key) const;
  CachePolicy cache(const YAML::Node& value, const std::string& key) const;
  std::vector<int64_t> input_shape(const YAML::Node& value, const std::string& key) const;
  std::string device(const YAML::Node& value, const std::string& key) const;  // cpu, cuda, cuda:N
  UserIdentity user(const YAML::Node& value) const;

 private:
  std::string file_;
  std::filesystem::path base_dir_;
  std::string prefix_;
};

}  // namespace orch

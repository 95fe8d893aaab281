// The settings table (see settings.h): one entry per setting, and nothing about a
// setting anywhere else.
#include "matrix/settings.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "common/cpu_list.h"
#include "common/text.h"

namespace orch {
namespace {

namespace fs = std::filesystem;

struct SettingDef {
  SettingInfo info;
  void (*read)(const YamlReader&, const YAML::Node&, const std::string& key, CellSettings&);
  std::string (*label)(const CellSettings&);
  Columns (*columns)(const CellSettings&);
  void (*copy)(const CellSettings&, CellSettings&);
  bool (*given)(const CellSettings&);
};

// Copying and comparing with a cell that says nothing, for the member a setting is.
template <auto Member>
void copy_member(const CellSettings& from, CellSettings& to) {
  to.*Member = from.*Member;
}
template <auto Member>
bool member_given(const CellSettings& settings) {
  return !(settings.*Member == CellSettings{}.*Member);
}

// 2G, 512M, 1536K, or bytes: as a matrix would write it.
std::string size_text(int64_t bytes) {
  for (const auto& [unit, shift] : std::vector<std::pair<const char*, int>>{{"T", 40}, {"G", 30}, {"M", 20}, {"K", 10}})
    if (bytes % (int64_t(1) << shift) == 0) return std::to_string(bytes >> shift) + unit;
  return std::to_string(bytes);
}

std::string file_name(const std::string& path) { return fs::path(path).filename().string(); }

#define MEMBER(name) copy_member<&CellSettings::name>, member_given<&CellSettings::name>

const std::vector<SettingDef>& table() {
  static const std::vector<SettingDef> settings = {
      {{Setting::kLauncher, "launcher", false, false, "cgroup"},
       [](const YamlReader& r, const YAML::Node& n, const std::string& k, CellSettings& s) {
         s.launcher = r.launcher(n, k);
       },
       [](const CellSettings& s) { return launcher_name(s.launcher); },
       [](const CellSettings& s) {
         return Columns{{"launcher", launcher_name(s.launcher)}};
       },
       MEMBER(launcher)},
      {{Setting::kCpuset, "cpuset", false, true, "\"0\""},
       [](const YamlReader& r, const YAML::Node& n, const std::string& k, CellSettings& s) {
         s.cpuset = r.cpu_list(n, k);
       },
       [](const CellSettings& s) { return "cpuset=" + format_cpu_list(s.cpuset); },
       [](const CellSettings& s) {
         return Columns{{"cpuset", optional_text(format_cpu_list(s.cpuset))}};
       },
       MEMBER(cpuset)},
      {{Setting::kCpuQuota, "cpu_quota", false, true, "100%"},
       [](const YamlReader& r, const YAML::Node& n, const std::string& k, CellSettings& s) {
         s.cpu_quota_percent = r.cpu_quota_percent(n, k);
       },
       [](const CellSettings& s) { return "quota=" + number_text(s.cpu_quota_percent.value_or(0)) + "%"; },
       [](const CellSettings& s) {
         return Columns{{"cpu_quota_percent", optional_value(s.cpu_quota_percent)}};
       },
       MEMBER(cpu_quota_percent)},
      {{Setting::kMemory, "memory", false, true, "1G"},
       [](const YamlReader& r, const YAML::Node& n, const std::string& k, CellSettings& s) {
         s.memory_bytes = r.memory_bytes(n, k);
       },
       [](const CellSettings& s) { return "memory=" + size_text(s.memory_bytes.value_or(0)); },
       [](const CellSettings& s) {
         return Columns{{"memory_bytes", optional_value(s.memory_bytes)}};
       },
       MEMBER(memory_bytes)},
      {{Setting::kEnv, "env", false, false, "{OMP_NUM_THREADS: \"1\"}"},
       [](const YamlReader& r, const YAML::Node& n, const std::string& k, CellSettings& s) { s.env = r.env(n, k); },
       [](const CellSettings& s) {
         std::vector<std::string> vars;
         for (const auto& [name, value] : s.env) vars.push_back(name + "=" + first_line(printable(value), 200));
         return vars.empty() ? std::string("env unset") : join(vars, " ");
       },
       [](const CellSettings& s) {
         return Columns{{"env_json", ascii_json(s.env)}};
       },
       MEMBER(env)},
      {{Setting::kNamespaces, "namespaces", false, true, "[net]"},
       [](const YamlReader& r, const YAML::Node& n, const std::string& k, CellSettings& s) {
         s.namespaces = r.namespaces(n, k);
       },
       [](const CellSettings& s) { return "ns=" + join(s.namespaces, "+"); },
       [](const CellSettings& s) {
         return Columns{{"namespaces", optional_text(join(s.namespaces, ","))}};
       },
       MEMBER(namespaces)},
      {{Setting::kCache, "cache", false, false, "evict"},
       [](const YamlReader& r, const YAML::Node& n, const std::string& k, CellSettings& s) { s.cache = r.cache(n, k); },
       [](const CellSettings& s) { return "cache=" + s.cache.text(); },
       [](const CellSettings& s) {
         return Columns{{"cache_policy", s.cache.text()}};
       },
       MEMBER(cache)},
      {{Setting::kTorchThreads, "torch_threads", false, false, "{intra_op: 1}"},
       [](const YamlReader& r, const YAML::Node& n, const std::string& k, CellSettings& s) {
         s.threads = r.threads(n, k);
       },
       [](const CellSettings& s) {
         std::vector<std::string> parts;
         if (s.threads.intra_op) parts.push_back("intra_op=" + std::to_string(s.threads.intra_op));
         if (s.threads.inter_op) parts.push_back("inter_op=" + std::to_string(s.threads.inter_op));
         return join(parts, " ");
       },
       [](const CellSettings& s) {
         auto count = [](int threads) { return threads > 0 ? Value(int64_t{threads}) : Value(); };
         return Columns{{"torch_intra_op_threads", count(s.threads.intra_op)},
                        {"torch_inter_op_threads", count(s.threads.inter_op)}};
       },
       MEMBER(threads)},
      {{Setting::kProgram, "program", true, false, ""},
       [](const YamlReader& r, const YAML::Node& n, const std::string& k, CellSettings& s) {
         s.program = r.executable(n, k);
       },
       [](const CellSettings& s) { return "program=" + file_name(s.program); },
       [](const CellSettings& s) {
         return Columns{{"program", s.program}};
       },
       MEMBER(program)},
      {{Setting::kModel, "model", true, false, ""},
       [](const YamlReader& r, const YAML::Node& n, const std::string& k, CellSettings& s) {
         s.model_path = r.existing_file(n, k);
       },
       [](const CellSettings& s) { return "model=" + file_name(s.model_path); },
       [](const CellSettings& s) {
         return Columns{{"model_path", s.model_path}};
       },
       MEMBER(model_path)},
      {{Setting::kInputShape, "input_shape", true, false, "[1, 3, 224, 224]"},
       [](const YamlReader& r, const YAML::Node& n, const std::string& k, CellSettings& s) {
         s.input_shape = r.input_shape(n, k);
       },
       [](const CellSettings& s) { return "input_shape=" + join_numbers(s.input_shape, "x"); },
       [](const CellSettings& s) {
         return Columns{{"input_shape", join_numbers(s.input_shape)}};
       },
       MEMBER(input_shape)},
      {{Setting::kDevice, "device", true, false, "cpu"},
       [](const YamlReader& r, const YAML::Node& n, const std::string& k, CellSettings& s) {
         s.device = r.device(n, k);
       },
       [](const CellSettings& s) { return "device=" + s.device; },
       [](const CellSettings& s) {
         return Columns{{"device", s.device}};
       },
       MEMBER(device)},
      {{Setting::kWarmupIterations, "warmup_iterations", true, false, "10"},
       [](const YamlReader& r, const YAML::Node& n, const std::string& k, CellSettings& s) {
         s.warmup_iterations = static_cast<int>(r.integer(n, k, 0, 1000000));
       },
       [](const CellSettings& s) { return "warmup_iterations=" + std::to_string(s.warmup_iterations); },
       [](const CellSettings& s) {
         return Columns{{"warmup_iterations", int64_t{s.warmup_iterations}}};
       },
       MEMBER(warmup_iterations)},
      {{Setting::kIterations, "iterations", true, false, "100"},
       [](const YamlReader& r, const YAML::Node& n, const std::string& k, CellSettings& s) {
         s.iterations_auto = n.IsScalar() && n.Scalar() == "auto";
         if (!s.iterations_auto) s.iterations = static_cast<int>(r.integer(n, k, 1, 10000000));
       },
       [](const CellSettings& s) {
         return "iterations=" + (s.iterations_auto ? std::string("auto") : std::to_string(s.iterations));
       },
       [](const CellSettings& s) {
         // Only iterations: auto has the other two (NULL otherwise, which settings_hash
         // leaves out: a cell of a fixed count keeps the identity it had before them).
         return Columns{
             {"iterations", int64_t{s.iterations}},
             {"min_iterations", s.iterations_auto ? Value(int64_t{s.min_iterations}) : Value()},
             {"iterations_target_percent", s.iterations_auto ? Value(s.iterations_target_percent) : Value()}};
       },
       [](const CellSettings& from, CellSettings& to) {
         to.iterations = from.iterations;
         to.iterations_auto = from.iterations_auto;
       },
       [](const CellSettings& s) { return s.iterations_auto || s.iterations != CellSettings{}.iterations; }},
  };
  return settings;
}

#undef MEMBER

// The table is in the enum's order: a setting is found by its number.
const SettingDef& def(Setting id) {
  const SettingDef& found = table().at(static_cast<size_t>(id));
  if (found.info.id != id) throw std::logic_error("settings table out of order at " + found.info.key);
  return found;
}

}  // namespace

const std::vector<SettingInfo>& settings_table() {
  static const std::vector<SettingInfo> infos = [] {
    std::vector<SettingInfo> all;
    for (const auto& setting : table()) all.push_back(setting.info);
    return all;
  }();
  return infos;
}

const SettingInfo& setting_info(Setting id) { return def(id).info; }

std::optional<Setting> find_setting(const std::string& key) {
  for (const auto& setting : table())
    if (setting.info.key == key) return setting.info.id;
  return std::nullopt;
}

std::vector<std::string> setting_keys() {
  std::vector<std::string> keys;
  for (const auto& setting : table()) keys.push_back(setting.info.key);
  return keys;
}

void read_setting(Setting id, const YamlReader& reader, const YAML::Node& value, CellSettings& settings) {
  def(id).read(reader, value, def(id).info.key, settings);
}

void copy_setting(Setting id, const CellSettings& from, CellSettings& to) { def(id).copy(from, to); }

std::string label_of(Setting id, const CellSettings& settings) { return def(id).label(settings); }

bool is_given(Setting id, const CellSettings& settings) { return def(id).given(settings); }

Columns stored_columns(Setting id, const CellSettings& settings) { return def(id).columns(settings); }

Columns stored_columns(const CellSettings& settings) {
  Columns row;
  for (const auto& setting : settings_table())
    for (auto& column : stored_columns(setting.id, settings)) row.push_back(std::move(column));
  return row;
}

std::vector<std::string> stored_column_names() {
  std::vector<std::string> names;
  for (const auto& setting : table())
    for (const auto& [name, value] : setting.columns(CellSettings{})) names.push_back(name);
  return names;
}

// Setting columns added after identities were first stored (schema 13): NULL in them
// adds nothing, so every cell that does not use them keeps the identity it had.
const std::vector<std::string> kColumnsAfterIdentities = {"min_iterations", "iterations_target_percent"};

std::string settings_hash(const Columns& row) {
  uint64_t hash = 14695981039346656037ull;  // FNV-1a, 64 bits
  auto add = [&hash](const std::string& text) {
    for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
    hash = (hash ^ 0xff) * 1099511628211ull;  // a separator no UTF-8 text holds
  };
  for (const auto& name : stored_column_names()) {
    const Value& value = value_of(row, name);
    if (std::holds_alternative<std::monostate>(value) &&
        std::find(kColumnsAfterIdentities.begin(), kColumnsAfterIdentities.end(), name) !=
            kColumnsAfterIdentities.end())
      continue;
    add(name);
    add(text_of(value));
  }
  // Not a setting, but part of a cell's identity when given: which copy of the matrix
  // it is in (run --slurm-split replicas).
  if (const Value& replica = value_of(row, "replica"); !std::holds_alternative<std::monostate>(replica)) {
    add("replica");
    add(text_of(replica));
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

}  // namespace orch

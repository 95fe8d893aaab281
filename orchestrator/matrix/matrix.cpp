// YAML matrix -> Experiment (see matrix.h). The parser checks every key, type and
// value where it stands, so each error names the exact file:line:column.
#include "matrix/matrix.h"

#include <pwd.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <type_traits>

#include "common/cpu_list.h"
#include "common/safe_files.h"
#include "common/spelling.h"
#include "common/text.h"

namespace orch {
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTopLevelKeys = {"name",      "description", "runs",  "warmup_runs",
                                                "timeout_s", "worker",      "matrix"};
const std::vector<std::string> kWorkerKeys = {"program",    "model",  "input_shape", "warmup_iterations",
                                              "iterations", "device", "docker_image", "user"};
const std::vector<std::string> kNamespaces = {"ipc", "net", "uts"};

std::vector<std::string> axis_value_keys() {
  std::vector<std::string> keys = setting_names();
  keys.push_back("label");
  return keys;
}

// One axis value: the settings it gives (named in `texts`, with how each reads in a
// label), and where each was written.
struct SettingsPatch {
  std::string label;
  CellSettings values;
  std::map<std::string, std::string> texts;
  std::map<std::string, SourceLocation> origins;
};

void copy_setting(const std::string& key, const CellSettings& from, CellSettings& to) {
  if (key == "launcher") to.launcher = from.launcher;
  else if (key == "cpuset") to.cpuset = from.cpuset;
  else if (key == "cpu_quota") to.cpu_quota_percent = from.cpu_quota_percent;
  else if (key == "memory") to.memory_bytes = from.memory_bytes;
  else if (key == "env") to.env = from.env;
  else if (key == "namespaces") to.namespaces = from.namespaces;
  else if (key == "cache") to.cache = from.cache;
  else if (key == "torch_threads") to.threads = from.threads;
  else if (key == "program") to.program = from.program;
}

// The smallest CPU quota: the kernel takes 1 ms per 100 ms period (cpu.cfs_quota_us).
constexpr double kMinQuotaPercent = 1.0;

// "2G", "512M", "64K", "1073741824": binary units, as docker and systemd read them;
// "512MB", "512MiB" and "512m" are 512M too, as docker reads them.
std::optional<int64_t> parse_bytes(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 15) return std::nullopt;
  std::string unit = text.substr(digits);
  if (unit.size() > 1 && (unit.back() == 'B' || unit.back() == 'b')) unit.pop_back();
  if (unit.size() > 1 && unit.back() == 'i') unit.pop_back();
  const std::string units = "KMGT";
  const int64_t value = std::stoll(text.substr(0, digits));
  if (unit.empty()) return value;
  auto power = units.find(static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0]))));
  if (unit.size() != 1 || power == std::string::npos) return std::nullopt;
  const int shift = 10 * static_cast<int>(power + 1);
  if (value > (std::numeric_limits<int64_t>::max() >> shift)) return std::nullopt;  // no overflow
  return value << shift;
}

struct Axis {
  std::string name;
  SourceLocation where;
  std::vector<SettingsPatch> values;
  std::set<std::string> settings;  // every setting some value of this axis sets
};

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: return node.size() == 0 ? "an empty list" : "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Null: return "nothing";
    default: return "'" + node.Scalar() + "'";
  }
}


// 50, 12.5: a percentage as a label shows it.
std::string number_text(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

// Bytes a cell adds to the expansion: its label and its variables.
size_t cell_bytes(const Cell& cell) {
  size_t bytes = cell.label.size();
  for (const auto& [name, value] : cell.settings.env) bytes += name.size() + value.size() + 2;
  return bytes;
}

class MatrixParser {
 public:
  MatrixParser(std::string file, const SystemInfo& system, const MatrixOptions& options)
      : file_(std::move(file)),
        base_dir_(fs::absolute(file_).parent_path().lexically_normal()),
        system_(system),
        options_(options) {}

  Experiment parse(const std::string& text, const std::string& default_worker) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      throw UserError(SourceLocation{file_, e.mark.line + 1, e.mark.column + 1},
                      "YAML syntax error: " + e.msg);
    }
    if (!root.IsMap())
      throw UserError(root.Mark().is_null() ? SourceLocation{file_, 1, 1} : at(root),
                      "expected a mapping with at least name, worker and matrix, got " + describe(root));

    Experiment experiment;
    experiment.worker.program = default_worker;
    std::optional<std::vector<Axis>> axes;
    for_each_entry(root, "top level", kTopLevelKeys, [&](const std::string& key, const YAML::Node& value) {
      if (key == "name") experiment.name = label_text(value, key);
      else if (key == "description") string(value, key);
      else if (key == "runs") experiment.runs = integer(value, key, 1, 100000);
      else if (key == "warmup_runs") experiment.warmup_runs = integer(value, key, 0, 100000);
      else if (key == "timeout_s") experiment.timeout_s = number(value, key, 0.001, 7 * 24 * 3600.0);
      else if (key == "worker") parse_worker(value, experiment.worker);
      else if (key == "matrix") axes = parse_axes(value);
    });
    require(root, "name", experiment.name.empty());
    require(root, "worker", experiment.worker.model_path.empty());
    require(root, "matrix", !axes);
    check_cell_count(root["matrix"], *axes);
    experiment.cells = expand(*axes);
    return experiment;
  }

 private:
  SourceLocation at(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) return {file_, 0, 0};
    return {file_, mark.line + 1, mark.column + 1};
  }

  [[noreturn]] void fail(const YAML::Node& node, const std::string& what,
                         const std::string& hint = {}) const {
    throw UserError(at(node), what, hint);
  }

  void require(const YAML::Node& map, const std::string& key, bool missing) const {
    if (missing) fail(map, "missing required key '" + key + "'");
  }

  // Calls fn(key, value) -- or fn(key, value, key_node) -- for each entry; rejects
  // non-mappings, duplicate keys and, when `known` is not empty, unknown keys.
  template <typename Fn>
  void for_each_entry(const YAML::Node& map, const std::string& where,
                      const std::vector<std::string>& known, Fn&& fn) const {
    if (!map.IsMap()) fail(map, where + ": expected a mapping, got " + describe(map));
    std::set<std::string> seen;
    for (const auto& entry : map) {
      const std::string key = entry.first.Scalar();
      if (!seen.insert(key).second) fail(entry.first, "duplicate key '" + key + "' in " + where);
      if (!known.empty() && std::find(known.begin(), known.end(), key) == known.end()) {
        auto suggestion = closest_match(key, known);
        fail(entry.first, "unknown key '" + key + "' in " + where +
                              (suggestion ? "; did you mean '" + *suggestion + "'?" : ""),
             "known keys here: " + join(known, ", "));
      }
      if constexpr (std::is_invocable_v<Fn, const std::string&, const YAML::Node&, const YAML::Node&>)
        fn(key, entry.second, entry.first);
      else
        fn(key, entry.second);
    }
  }

  std::string string(const YAML::Node& value, const std::string& key) const {
    if (!value.IsScalar() || value.Scalar().empty())
      fail(value, key + ": expected a non-empty string, got " + describe(value));
    return value.Scalar();
  }

  // A name or label: printed in logs and tables, so one line without control characters.
  std::string label_text(const YAML::Node& value, const std::string& key) const {
    std::string text = string(value, key);
    if (has_control_character(text))
      fail(value, key + ": contains a control character (a newline, an escape)",
           "names and labels are printed one per line; write them without one");
    if (text.size() > 1000) fail(value, key + ": is longer than 1000 bytes");
    return text;
  }

  long integer(const YAML::Node& value, const std::string& key, long min, long max) const {
    long result = 0;
    const std::string& text = value.Scalar();
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), result);
    if (!value.IsScalar() || text.empty() || ec != std::errc() || end != text.data() + text.size())
      fail(value, key + ": expected an integer, got " + describe(value));
    if (result < min || result > max)
      fail(value, key + ": " + text + " is out of range [" + std::to_string(min) + ", " +
                      std::to_string(max) + "]");
    return result;
  }

  double number(const YAML::Node& value, const std::string& key, double min, double max) const {
    const std::string& text = value.Scalar();
    std::istringstream in(text);
    double result = 0;
    if (!value.IsScalar() || !(in >> result) || !in.eof())
      fail(value, key + ": expected a number, got " + describe(value));
    if (result < min || result > max) fail(value, key + ": " + text + " is out of range");
    return result;
  }

  // An existing file; relative paths are anchored at the matrix file's folder.
  std::string existing_file(const YAML::Node& value, const std::string& key) const {
    fs::path path = string(value, key);
    if (path.is_relative()) path = base_dir_ / path;
    path = path.lexically_normal();
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
      fail(value, key + ": no such file: " + path.string(),
           "relative paths are resolved against the matrix file's folder " + base_dir_.string() +
               "; the default models are made by `cmake --build build --target models`");
    return path.string();
  }

  std::string executable(const YAML::Node& value, const std::string& key) const {
    const std::string path = existing_file(value, key);
    if (access(path.c_str(), X_OK) != 0) fail(value, key + ": " + path + " is not executable");
    return path;
  }

  void parse_worker(const YAML::Node& map, WorkerSettings& worker) const {
    for_each_entry(map, "worker", kWorkerKeys, [&](const std::string& key, const YAML::Node& value) {
      if (key == "program") {
        worker.program = executable(value, "worker.program");
      } else if (key == "model") {
        worker.model_path = existing_file(value, "worker.model");
      } else if (key == "input_shape") {
        if (!value.IsSequence() || value.size() == 0)
          fail(value, "worker.input_shape: expected a list of dimensions, got " + describe(value));
        worker.input_shape.clear();
        for (const auto& dim : value) worker.input_shape.push_back(integer(dim, "worker.input_shape", 1, 1 << 20));
      } else if (key == "warmup_iterations") {
        worker.warmup_iterations = integer(value, "worker.warmup_iterations", 0, 1000000);
      } else if (key == "iterations") {
        worker.iterations = integer(value, "worker.iterations", 1, 10000000);
      } else if (key == "user") {
        worker.user = user(value);
      } else if (key == "docker_image") {
        worker.docker_image = string(value, "worker.docker_image");
        if (worker.docker_image[0] == '-' || has_control_character(worker.docker_image))
          fail(value, "worker.docker_image: '" + printable(worker.docker_image) + "' is not an image name");
      } else if (key == "device") {
        worker.device = string(value, "worker.device");
        worker.device_origin = at(value);
        if (!std::regex_match(worker.device, std::regex("cpu|cuda(:[0-9]+)?")))
          fail(value, "worker.device: expected cpu or cuda[:N], got '" + worker.device + "'");
      }
    });
    if (worker.model_path.empty()) fail(map, "missing required key 'model' in worker");
  }

  UserIdentity user(const YAML::Node& value) const {
    const std::string name = string(value, "worker.user");
    const passwd* entry = getpwnam(name.c_str());
    if (entry == nullptr) fail(value, "worker.user: no user '" + name + "' on this machine");
    if (geteuid() != 0 && entry->pw_uid != geteuid())
      fail(value, "worker.user: switching to '" + name + "' needs the orchestrator to run as root");
    return {name, entry->pw_uid, entry->pw_gid};
  }

  LauncherKind launcher(const YAML::Node& value) const {
    const std::string name = string(value, "launcher");
    const auto& names = launcher_names();
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      auto suggestion = closest_match(name, names);
      fail(value, "launcher: unknown launcher '" + name + "'" +
                      (suggestion ? "; did you mean '" + *suggestion + "'?" : ""),
           "launchers: " + join(names, ", "));
    }
    return static_cast<LauncherKind>(it - names.begin());
  }

  std::vector<int> cpuset(const YAML::Node& value) const {
    std::vector<int> cpus;
    try {
      cpus = parse_cpu_list(string(value, "cpuset"));
    } catch (const std::invalid_argument& e) {
      fail(value, std::string("cpuset: ") + e.what());
    }
    for (int cpu : cpus) {
      if (std::find(system_.online_cpus.begin(), system_.online_cpus.end(), cpu) ==
          system_.online_cpus.end())
        fail(value, "cpuset: CPU " + std::to_string(cpu) + " does not exist on this machine",
             "online CPUs here: " + format_cpu_list(system_.online_cpus));
      if (std::find(system_.allowed_cpus.begin(), system_.allowed_cpus.end(), cpu) ==
          system_.allowed_cpus.end())
        fail(value, "cpuset: CPU " + std::to_string(cpu) + " is outside the orchestrator's own affinity",
             "CPUs this process may use: " + format_cpu_list(system_.allowed_cpus));
    }
    return cpus;
  }

  std::map<std::string, std::string> env(const YAML::Node& map) const {
    static const std::regex kName("[A-Za-z_][A-Za-z0-9_]*");
    std::map<std::string, std::string> vars;
    for_each_entry(map, "env", {}, [&](const std::string& name, const YAML::Node& value,
                                       const YAML::Node& key) {
      if (!std::regex_match(name, kName)) fail(key, "env: '" + name + "' is not a variable name");
      if (!value.IsScalar())
        fail(value, "env." + name + ": expected a value, got " + describe(value),
             "leave a variable out to keep it unset");
      if (invalid_utf8_at(value.Scalar()))
        fail(value, "env." + name + ": the value is not valid UTF-8", "write the bytes as text");
      if (name.size() + value.Scalar().size() + 2 > kMaxArgumentBytes)
        fail(value, "env." + name + ": " + std::to_string(value.Scalar().size()) + " bytes, more than the " +
                        std::to_string(kMaxArgumentBytes) + " the kernel passes in one variable (MAX_ARG_STRLEN)");
      vars[name] = value.Scalar();
    });
    return vars;
  }

  // "150%": a percentage of one CPU. A bare number is refused: 0.5 could mean half a
  // CPU (docker's --cpus) or 0.5%.
  double cpu_quota(const YAML::Node& value) const {
    std::string text = string(value, "cpu_quota");
    const bool has_percent = text.back() == '%';
    if (has_percent) text.pop_back();
    char* end = nullptr;
    const double percent = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !(percent > 0))
      fail(value, "cpu_quota: expected a percentage of one CPU like 150%, got " + describe(value));
    if (!has_percent)
      fail(value, "cpu_quota: expected a percentage of one CPU like 150%, got the bare number " + text,
           "write " + text + "% if you mean " + text + "% of one CPU; half a CPU (docker's --cpus=0.5) is 50%");
    if (percent < kMinQuotaPercent)
      fail(value, "cpu_quota: " + text + "% is less than the kernel's smallest quota",
           "at least 1% (1 ms of CPU time per 100 ms period)");
    const double most = 100.0 * static_cast<double>(system_.online_cpus.size());
    if (percent > most)
      fail(value, "cpu_quota: " + text + "% is more than this machine's " +
                      std::to_string(system_.online_cpus.size()) + " CPUs can give",
           "at most " + std::to_string(static_cast<int>(most)) + "%");
    return percent;
  }

  int64_t memory(const YAML::Node& value) const {
    auto bytes = parse_bytes(string(value, "memory"));
    if (!bytes || *bytes < (4 << 20))
      fail(value, "memory: expected a size of at least 4M like 512M or 2G, got " + describe(value));
    return *bytes;
  }

  std::vector<std::string> namespaces(const YAML::Node& value) const {
    if (!value.IsSequence())
      fail(value, "namespaces: expected a list such as [ipc, net, uts], got " + describe(value));
    std::vector<std::string> names;
    for (const auto& item : value) {
      const std::string name = string(item, "namespaces");
      if (std::find(kNamespaces.begin(), kNamespaces.end(), name) == kNamespaces.end())
        fail(item, "namespaces: unknown namespace '" + name + "'", "choose from: " + join(kNamespaces, ", "));
      names.push_back(name);
    }
    return names;
  }

  CellSettings::Threads threads(const YAML::Node& map) const {
    CellSettings::Threads counts;
    for_each_entry(map, "torch_threads", {"intra_op", "inter_op"}, [&](const std::string& key, const YAML::Node& value) {
      (key == "intra_op" ? counts.intra_op : counts.inter_op) =
          static_cast<int>(integer(value, "torch_threads." + key, 1, 1024));
    });
    return counts;
  }

  CachePolicy cache(const YAML::Node& value) const {
    auto policy = parse_cache_policy(string(value, "cache"));
    if (!policy) fail(value, "cache: expected none, drop, evict or warm N, got " + describe(value));
    if (auto problem = cache_policy_problem(*policy))
      fail(value, *problem, "cache: evict makes the model and LibTorch cold without root");
    return *policy;
  }

  // Sets one setting on a patch, recording where it came from and how it reads in a label.
  void apply_setting(SettingsPatch& patch, const std::string& key, const YAML::Node& value) const {
    CellSettings& v = patch.values;
    std::string text = value.IsScalar() ? value.Scalar() : "";
    if (key == "launcher") {
      v.launcher = launcher(value);
    } else if (key == "cpuset") {
      v.cpuset = cpuset(value);
      text = "cpuset=" + format_cpu_list(v.cpuset);
    } else if (key == "cpu_quota") {
      v.cpu_quota_percent = cpu_quota(value);
      text = "quota=" + number_text(*v.cpu_quota_percent) + "%";
    } else if (key == "memory") {
      v.memory_bytes = memory(value);
      text = "memory=" + text;
    } else if (key == "namespaces") {
      v.namespaces = namespaces(value);
      text = "ns=" + join(v.namespaces, "+");
    } else if (key == "program") {
      v.program = executable(value, "program");
      text = "program=" + fs::path(v.program).filename().string();
    } else if (key == "torch_threads") {
      v.threads = threads(value);
      text = "torch_threads=" + std::to_string(v.threads.intra_op) + "/" + std::to_string(v.threads.inter_op);
    } else if (key == "cache") {
      v.cache = cache(value);
      text = "cache=" + v.cache.text();
    } else if (key == "env") {
      v.env = env(value);
      std::vector<std::string> vars;
      for (const auto& [name, val] : v.env) vars.push_back(name + "=" + first_line(printable(val), 200));
      text = vars.empty() ? "env unset" : join(vars, " ");
    }
    patch.texts[key] = text;
    patch.origins[key] = at(value);
  }

  static std::string patch_label(const SettingsPatch& patch) {
    std::vector<std::string> parts;
    for (const auto& key : setting_names())
      if (patch.texts.count(key)) parts.push_back(patch.texts.at(key));
    return join(parts, " ");
  }

  Axis parse_axis(const std::string& name, const YAML::Node& key, const YAML::Node& values) const {
    Axis axis{name, at(key), {}, {}};
    if (!values.IsSequence() || values.size() == 0)
      fail(values.IsNull() ? key : values,
           "matrix." + name + ": expected a non-empty list of values, got " + describe(values));
    const auto& settings = setting_names();
    const bool is_setting = std::find(settings.begin(), settings.end(), name) != settings.end();
    for (const auto& value : values) {
      SettingsPatch patch;
      if (is_setting) {
        apply_setting(patch, name, value);
      } else {
        for_each_entry(value, "matrix." + name + " value", axis_value_keys(),
                       [&](const std::string& setting, const YAML::Node& node) {
                         if (setting == "label") patch.label = label_text(node, "label");
                         else apply_setting(patch, setting, node);
                       });
      }
      if (patch.label.empty()) patch.label = patch_label(patch);
      if (has_control_character(patch.label))  // a program's file name, say
        fail(value, "matrix." + name + ": the label made of this value holds a control character: " +
                        printable(patch.label),
             "give the value a label of its own");
      for (const auto& other : axis.values)
        if (other.label == patch.label)
          fail(value, "matrix." + name + ": two values have the label '" + patch.label + "'",
               "cells are told apart by their labels: give each value its own label");
      for (const auto& [setting, where] : patch.origins) axis.settings.insert(setting);
      axis.values.push_back(std::move(patch));
    }
    return axis;
  }

  std::vector<Axis> parse_axes(const YAML::Node& map) const {
    std::vector<Axis> axes;
    if (!map.IsMap())
      fail(map, "matrix: expected a mapping of axes (like launcher: [host, taskset]), got " +
                    describe(map));
    if (map.size() == 0)
      fail(map, "matrix is empty: give at least one axis, like launcher: [host, taskset]");
    for_each_entry(map, "matrix", {}, [&](const std::string& name, const YAML::Node& values,
                                          const YAML::Node& key) {
      Axis axis = parse_axis(name, key, values);
      for (const auto& other : axes)
        for (const auto& setting : axis.settings)
          if (other.settings.count(setting))
            fail(key, "matrix." + name + " sets '" + setting + "', which axis '" + other.name +
                          "' (" + other.where.to_string() + ") sets too",
                 "give each setting to one axis; an axis of mappings can set several at once");
      axes.push_back(std::move(axis));
    });
    return axes;
  }

  static void apply(Cell& cell, const SettingsPatch& patch) {
    for (const auto& [key, where] : patch.origins) {
      copy_setting(key, patch.values, cell.settings);
      cell.origins[key] = where;
    }
  }

  // Refuses, before expanding anything, a matrix of more cells than max_cells.
  void check_cell_count(const YAML::Node& matrix, const std::vector<Axis>& axes) const {
    // Counted up to a bound, past which "far more" is all there is to say (and no
    // product can overflow: both factors stay below 2^32).
    const size_t far_more = options_.max_cells * 1000;
    size_t cells = 1;
    std::vector<std::string> sizes;
    for (const auto& axis : axes) {
      sizes.push_back(std::to_string(axis.values.size()));
      cells = std::min(cells * axis.values.size(), far_more + 1);
    }
    if (cells > options_.max_cells)
      fail(matrix, "matrix: its axes (" + join(sizes, " x ") + " values) expand to " +
                       (cells > far_more ? "far more than " + std::to_string(options_.max_cells)
                                         : std::to_string(cells)) +
                       " cells, more than --max-cells " + std::to_string(options_.max_cells),
           "split the matrix, or raise --max-cells if you mean it");
  }

  // Cartesian product, the first axis varying slowest. The cells' labels and
  // variables are bounded as they are made (YAML aliases can repeat one long value
  // in every cell): each cell's variables by what one execve takes, all of them by
  // kMaxExpandedBytes.
  std::vector<Cell> expand(const std::vector<Axis>& axes) const {
    std::vector<Cell> cells(1);
    size_t total_bytes = 0;
    for (const auto& axis : axes) {
      std::vector<Cell> next;
      total_bytes = 0;
      for (const auto& partial : cells) {
        for (const auto& value : axis.values) {
          Cell cell = partial;
          apply(cell, value);
          cell.label += (cell.label.empty() ? "" : ", ") + value.label;
          const size_t bytes = cell_bytes(cell);
          const auto env = cell.origins.find("env");
          const SourceLocation where = env != cell.origins.end() ? env->second : axis.where;
          if (bytes > static_cast<size_t>(::sysconf(_SC_ARG_MAX)))
            throw UserError(where, "cell '" + first_line(cell.label, 200) + "': its variables take " +
                                       std::to_string(bytes) + " bytes, more than one process may be given (ARG_MAX " +
                                       std::to_string(::sysconf(_SC_ARG_MAX)) + ")");
          total_bytes += bytes;
          if (total_bytes > kMaxExpandedBytes)
            throw UserError(where, "the matrix's cells take more than " + std::to_string(kMaxExpandedBytes >> 20) +
                                       " MiB of labels and variables",
                            "YAML aliases repeat a value in every cell that uses them; shorten the values");
          next.push_back(std::move(cell));
        }
      }
      cells = std::move(next);
    }
    for (size_t i = 0; i < cells.size(); ++i) cells[i].index = static_cast<int>(i);
    return cells;
  }

  std::string file_;
  fs::path base_dir_;
  const SystemInfo& system_;
  MatrixOptions options_;
};

// FNV-1a, 64 bits, as 16 hex digits: identifies a matrix's text, not a secret.
std::string content_hash(const std::string& text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

}  // namespace

std::string launcher_name(LauncherKind kind) { return launcher_names().at(static_cast<size_t>(kind)); }

const std::vector<std::string>& launcher_names() {
  static const std::vector<std::string> names = {"host",    "taskset",     "cgroup",
                                                 "unshare", "systemd-run", "docker"};  // LauncherKind order
  return names;
}

const std::vector<std::string>& setting_names() {
  static const std::vector<std::string> names = {"launcher",   "cpuset", "cpu_quota", "memory", "env",
                                                 "namespaces", "cache",  "torch_threads", "program"};
  return names;
}

int warmup_runs_of(const Experiment& experiment, const Cell& cell) {
  return cell.settings.cache.mode == CachePolicy::Mode::kWarm ? cell.settings.cache.warm_runs
                                                              : experiment.warmup_runs;
}

int runs_of(const Experiment& experiment, const Cell& cell) {
  return warmup_runs_of(experiment, cell) + experiment.runs;
}

const std::string& program_of(const WorkerSettings& worker, const CellSettings& cell) {
  return cell.program.empty() ? worker.program : cell.program;
}

Experiment parse_experiment(const std::string& text, const std::string& path,
                            const SystemInfo& system, const std::string& default_worker,
                            const MatrixOptions& options) {
  Experiment experiment = MatrixParser(path, system, options).parse(text, default_worker);
  experiment.matrix_path = fs::absolute(path).lexically_normal().string();
  experiment.matrix_text = text;
  experiment.matrix_hash = content_hash(text);
  return experiment;
}

Experiment load_experiment(const std::string& path, const SystemInfo& system,
                           const std::string& default_worker, const MatrixOptions& options) {
  const std::string text = read_trusted_file(path, kMaxMatrixBytes, "the matrix file");
  const auto nul = text.find('\0');
  if (nul != std::string::npos)
    throw UserError(SourceLocation{path, 1 + static_cast<int>(std::count(text.begin(), text.begin() + nul, '\n'))},
                    "not a text file: it holds a NUL byte (at byte " + std::to_string(nul) + ")",
                    "a matrix is a YAML text file");
  if (const auto bad = invalid_utf8_at(text))
    throw UserError(SourceLocation{path, 1 + static_cast<int>(std::count(text.begin(), text.begin() + *bad, '\n'))},
                    "not a UTF-8 text file (byte " + std::to_string(*bad) + " is not UTF-8)",
                    "a matrix is a YAML text file in UTF-8");
  return parse_experiment(text, path, system, default_worker, options);
}

}  // namespace orch

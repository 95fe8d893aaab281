// Typed YAML values with their locations (see yaml_reader.h).
#include "matrix/yaml_reader.h"

#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <regex>
#include <sstream>

#include "common/cpu_list.h"

namespace orch {
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kNamespaces = {"ipc", "net", "uts"};

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

}  // namespace

YamlReader::YamlReader(std::string file)
    : file_(std::move(file)), base_dir_(fs::absolute(file_).parent_path().lexically_normal()) {}

YamlReader YamlReader::within(const std::string& block) const {
  YamlReader reader = *this;
  reader.prefix_ = block;
  return reader;
}

std::string YamlReader::named(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }

SourceLocation YamlReader::at(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {file_, 0, 0};
  return {file_, mark.line + 1, mark.column + 1};
}

void YamlReader::fail(const YAML::Node& node, const std::string& what, const std::string& hint) const {
  throw UserError(at(node), what, hint);
}

std::string YamlReader::describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return node.size() == 0 ? "an empty list" : "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Null:
      return "nothing";
    default:
      return "'" + node.Scalar() + "'";
  }
}

std::string YamlReader::string(const YAML::Node& value, const std::string& key) const {
  if (!value.IsScalar() || value.Scalar().empty())
    fail(value, named(key) + ": expected a non-empty string, got " + describe(value));
  return value.Scalar();
}

std::string YamlReader::label_text(const YAML::Node& value, const std::string& key) const {
  std::string text = string(value, key);
  if (has_control_character(text))
    fail(value, named(key) + ": contains a control character (a newline, an escape)",
         "names and labels are printed one per line; write them without one");
  if (text.size() > 1000) fail(value, named(key) + ": is longer than 1000 bytes");
  return text;
}

bool YamlReader::boolean(const YAML::Node& value, const std::string& key) const {
  if (value.IsScalar() && (value.Scalar() == "true" || value.Scalar() == "false")) return value.Scalar() == "true";
  fail(value, named(key) + ": expected true or false, got " + describe(value));
}

long YamlReader::integer(const YAML::Node& value, const std::string& key, long min, long max) const {
  long result = 0;
  const std::string& text = value.Scalar();
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), result);
  if (!value.IsScalar() || text.empty() || ec != std::errc() || end != text.data() + text.size())
    fail(value, named(key) + ": expected an integer, got " + describe(value));
  if (result < min || result > max)
    fail(value,
         named(key) + ": " + text + " is out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  return result;
}

double YamlReader::number(const YAML::Node& value, const std::string& key, double min, double max) const {
  const std::string& text = value.Scalar();
  std::istringstream in(text);
  double result = 0;
  if (!value.IsScalar() || !(in >> result) || !in.eof())
    fail(value, named(key) + ": expected a number, got " + describe(value));
  if (result < min || result > max) fail(value, named(key) + ": " + text + " is out of range");
  return result;
}

std::string YamlReader::existing_file(const YAML::Node& value, const std::string& key) const {
  fs::path path = string(value, key);
  if (path.is_relative()) path = base_dir_ / path;
  path = path.lexically_normal();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    fail(value, named(key) + ": no such file: " + path.string(),
         "relative paths are resolved against the matrix file's folder " + base_dir_.string() +
             "; the default models are made by `cmake --build build --target models`");
  return path.string();
}

std::string YamlReader::executable(const YAML::Node& value, const std::string& key) const {
  const std::string path = existing_file(value, key);
  if (access(path.c_str(), X_OK) != 0) fail(value, named(key) + ": " + path + " is not executable");
  return path;
}

size_t YamlReader::choice(const YAML::Node& value, const std::string& key, const std::vector<std::string>& names,
                          const std::string& what) const {
  const std::string name = string(value, key);
  auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) {
    auto suggestion = closest_match(name, names);
    fail(value,
         named(key) + ": unknown " + what + " '" + name + "'" +
             (suggestion ? "; did you mean '" + *suggestion + "'?" : ""),
         what + "s: " + join(names, ", "));
  }
  return static_cast<size_t>(it - names.begin());
}

LauncherKind YamlReader::launcher(const YAML::Node& value, const std::string& key) const {
  return static_cast<LauncherKind>(choice(value, key, launcher_names(), "launcher"));
}

std::vector<int> YamlReader::cpu_list(const YAML::Node& value, const std::string& key) const {
  try {
    return parse_cpu_list(string(value, key));
  } catch (const std::invalid_argument& e) {
    fail(value, named(key) + ": " + e.what());
  }
}

// "150%": a percentage of one CPU. A bare number is refused: 0.5 could mean half a
// CPU (docker's --cpus) or 0.5%.
double YamlReader::cpu_quota_percent(const YAML::Node& value, const std::string& key) const {
  std::string text = string(value, key);
  const bool has_percent = text.back() == '%';
  if (has_percent) text.pop_back();
  char* end = nullptr;
  const double percent = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(percent > 0))
    fail(value, named(key) + ": expected a percentage of one CPU like 150%, got " + describe(value));
  if (!has_percent)
    fail(value, named(key) + ": expected a percentage of one CPU like 150%, got the bare number " + text,
         "write " + text + "% if you mean " + text + "% of one CPU; half a CPU (docker's --cpus=0.5) is 50%");
  if (percent < kMinQuotaPercent)
    fail(value, named(key) + ": " + text + "% is less than the kernel's smallest quota",
         "at least 1% (1 ms of CPU time per 100 ms period)");
  return percent;
}

int64_t YamlReader::memory_bytes(const YAML::Node& value, const std::string& key) const {
  auto bytes = parse_bytes(string(value, key));
  if (!bytes || *bytes < (4 << 20))
    fail(value, named(key) + ": expected a size of at least 4M like 512M or 2G, got " + describe(value));
  return *bytes;
}

std::map<std::string, std::string> YamlReader::env(const YAML::Node& map, const std::string& key) const {
  static const std::regex kName("[A-Za-z_][A-Za-z0-9_]*");
  std::map<std::string, std::string> vars;
  for_each_entry(map, key, {}, [&](const std::string& name, const YAML::Node& value, const YAML::Node& name_node) {
    if (!std::regex_match(name, kName)) fail(name_node, named(key) + ": '" + name + "' is not a variable name");
    if (!value.IsScalar())
      fail(value, named(key + "." + name) + ": expected a value, got " + describe(value),
           "leave a variable out to keep it unset");
    if (invalid_utf8_at(value.Scalar()))
      fail(value, named(key + "." + name) + ": the value is not valid UTF-8", "write the bytes as text");
    if (name.size() + value.Scalar().size() + 2 > kMaxArgumentBytes)
      fail(value, named(key + "." + name) + ": " + std::to_string(value.Scalar().size()) + " bytes, more than the " +
                      std::to_string(kMaxArgumentBytes) + " the kernel passes in one variable (MAX_ARG_STRLEN)");
    vars[name] = value.Scalar();
  });
  return vars;
}

std::vector<std::string> YamlReader::namespaces(const YAML::Node& value, const std::string& key) const {
  if (!value.IsSequence())
    fail(value, named(key) + ": expected a list such as [ipc, net, uts], got " + describe(value));
  std::vector<std::string> names;
  for (const auto& item : value) {
    const std::string name = string(item, key);
    if (std::find(kNamespaces.begin(), kNamespaces.end(), name) == kNamespaces.end())
      fail(item, named(key) + ": unknown namespace '" + name + "'", "choose from: " + join(kNamespaces, ", "));
    names.push_back(name);
  }
  return names;
}

CellSettings::Threads YamlReader::threads(const YAML::Node& map, const std::string& key) const {
  CellSettings::Threads counts;
  for_each_entry(map, key, {"intra_op", "inter_op"}, [&](const std::string& count, const YAML::Node& value) {
    (count == "intra_op" ? counts.intra_op : counts.inter_op) =
        static_cast<int>(integer(value, key + "." + count, 1, 1024));
  });
  return counts;
}

CachePolicy YamlReader::cache(const YAML::Node& value, const std::string& key) const {
  auto policy = parse_cache_policy(string(value, key));
  if (!policy) fail(value, named(key) + ": expected none, drop, evict or warm N, got " + describe(value));
  return *policy;
}

std::vector<int64_t> YamlReader::input_shape(const YAML::Node& value, const std::string& key) const {
  if (!value.IsSequence() || value.size() == 0 || value.size() > 8)
    fail(value, named(key) + ": expected a list of up to 8 dimensions like [1, 3, 224, 224], got " + describe(value));
  std::vector<int64_t> shape;
  for (const auto& dim : value) shape.push_back(integer(dim, key, 1, 1 << 20));
  return shape;
}

std::string YamlReader::device(const YAML::Node& value, const std::string& key) const {
  const std::string device = string(value, key);
  if (!std::regex_match(device, std::regex("cpu|cuda(:[0-9]{1,3})?")))
    fail(value, named(key) + ": expected cpu or cuda[:N], got '" + printable(device) + "'");
  return device;
}

UserIdentity YamlReader::user(const YAML::Node& value) const {
  const std::string name = string(value, "user");
  const passwd* entry = getpwnam(name.c_str());
  if (entry == nullptr) fail(value, named("user") + ": no user '" + printable(name) + "' on this machine");
  if (geteuid() != 0 && entry->pw_uid != geteuid())
    fail(value, named("user") + ": switching to '" + name + "' needs the orchestrator to run as root");
  return {name, entry->pw_uid, entry->pw_gid};
}

}  // namespace orch

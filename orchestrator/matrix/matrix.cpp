// The matrix document: its top-level keys and the `worker:` block (see matrix.h).
#include "matrix/matrix.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "common/safe_files.h"
#include "common/text.h"
#include "matrix/expansion.h"
#include "matrix/feasibility.h"
#include "matrix/settings.h"
#include "matrix/yaml_reader.h"

namespace orch {
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTopLevelKeys = {"name",        "description", "runs",  "precision",
                                                "warmup_runs", "timeout_s",   "order", "order_seed",
                                                "calibration", "worker",      "matrix"};
const std::vector<std::string> kPrecisionKeys = {"target_percent", "max_runs", "max_minutes", "min_iterations",
                                                 "max_iterations"};
// The worker block's own keys, beside the settings it may give for every cell.
const std::vector<std::string> kWorkerOnlyKeys = {"docker_image", "user"};

std::vector<std::string> worker_keys() {
  std::vector<std::string> keys;
  for (const auto& setting : settings_table())
    if (setting.worker_default) keys.push_back(setting.key);
  keys.insert(keys.end(), kWorkerOnlyKeys.begin(), kWorkerOnlyKeys.end());
  return keys;
}

// The `worker:` block: the experiment's worker settings, and every cell's defaults.
void read_worker(const YamlReader& reader, const YAML::Node& map, WorkerSettings& worker, Cell& base) {
  reader.for_each_entry(map, "worker", worker_keys(), [&](const std::string& key, const YAML::Node& value) {
    if (key == "user") {
      worker.user = reader.user(value);
    } else if (key == "docker_image") {
      worker.docker_image = reader.string(value, "docker_image");
      if (worker.docker_image[0] == '-' || has_control_character(worker.docker_image))
        reader.fail(value,
                    reader.named("docker_image") + ": '" + printable(worker.docker_image) + "' is not an image name");
    } else {
      const Setting id = *find_setting(key);
      read_setting(id, reader, value, base.settings);
      base.origins[id] = reader.at(value);
    }
  });
}

// The `precision:` block of runs: auto. max_runs must let the cell's interval reach its
// confidence at all (intervals.h: 6 runs for 95%).
Precision read_precision(const YamlReader& reader, const YAML::Node& map) {
  Precision precision;
  constexpr long fewest = Precision::kFewestRuns;
  YAML::Node min_node, max_node;
  reader.for_each_entry(map, "precision", kPrecisionKeys, [&](const std::string& key, const YAML::Node& value) {
    if (key == "target_percent")
      precision.target_percent = reader.number(value, key, 0.01, 100);
    else if (key == "max_runs") {
      precision.max_runs = static_cast<int>(reader.integer(value, key, 1, 100000));
      if (precision.max_runs < fewest)
        reader.fail(value,
                    reader.named(key) + ": " + std::to_string(precision.max_runs) +
                        " runs can never give a cell's p50 a 95% interval",
                    "at least " + std::to_string(fewest) + " (README: Statistics)");
    } else if (key == "max_minutes") {
      precision.max_minutes = reader.number(value, key, 0.01, 7 * 24 * 60.0);
    } else if (key == "min_iterations") {
      precision.min_iterations = static_cast<int>(reader.integer(value, key, fewest, 10000000));
      min_node = value;
    } else {
      precision.max_iterations = static_cast<int>(reader.integer(value, key, fewest, 10000000));
      max_node = value;
    }
  });
  if (precision.min_iterations > precision.max_iterations)
    reader.fail(min_node.IsDefined() && !min_node.IsNull() ? min_node : max_node,
                "precision: min_iterations (" + std::to_string(precision.min_iterations) +
                    ") is more than max_iterations (" + std::to_string(precision.max_iterations) + ")");
  return precision;
}

// FNV-1a, 64 bits, as 16 hex digits: identifies a matrix's text, not a secret.
std::string content_hash(const std::string& text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

// Where the error about a missing file-level value should point.
SourceLocation location_of(const YamlReader& reader, const YAML::Node& node) {
  return node.Mark().is_null() ? SourceLocation{reader.file(), 1, 1} : reader.at(node);
}

}  // namespace

Experiment parse_experiment(const std::string& text, const std::string& path, const SystemInfo& system,
                            const std::string& default_worker, const MatrixOptions& options) {
  const YamlReader reader(path);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw UserError(SourceLocation{path, e.mark.line + 1, e.mark.column + 1}, "YAML syntax error: " + e.msg);
  }
  if (!root.IsMap())
    throw UserError(location_of(reader, root),
                    "expected a mapping with at least name, worker and matrix, got " + YamlReader::describe(root));

  Experiment experiment;
  Cell base;
  base.settings.program = default_worker;
  // Default-made nodes count as defined in yaml-cpp: whether each was given is kept apart.
  YAML::Node worker_node, matrix_node, seed_node, runs_node, precision_node;
  bool has_worker = false, has_matrix = false, has_runs = false, runs_auto = false;
  std::vector<Axis> axes;
  reader.for_each_entry(root, "top level", kTopLevelKeys, [&](const std::string& key, const YAML::Node& value) {
    if (key == "name")
      experiment.name = reader.label_text(value, key);
    else if (key == "description")
      reader.string(value, key);
    else if (key == "runs") {
      has_runs = true;
      runs_node = value;
      runs_auto = value.IsScalar() && value.Scalar() == "auto";
      if (!runs_auto) experiment.runs = static_cast<int>(reader.integer(value, key, 1, 100000));
    } else if (key == "precision") {
      experiment.precision = read_precision(reader.within("precision"), precision_node = value);
    } else if (key == "warmup_runs")
      experiment.warmup_runs = static_cast<int>(reader.integer(value, key, 0, 100000));
    else if (key == "timeout_s")
      experiment.timeout_s = reader.number(value, key, 0.001, 7 * 24 * 3600.0);
    else if (key == "order")
      experiment.order = static_cast<RunOrder>(reader.choice(value, key, run_order_names(), "order"));
    else if (key == "calibration")
      experiment.calibration = reader.boolean(value, key);
    else if (key == "order_seed") {
      seed_node = value;
      experiment.order_seed = reader.integer(value, key, 0, kMaxOrderSeed);
    } else if (key == "worker") {
      has_worker = true;
      read_worker(reader.within("worker"), worker_node = value, experiment.worker, base);
    } else if (key == "matrix") {
      has_matrix = true;
      axes = read_axes(reader, matrix_node = value);
    }
  });
  if (experiment.name.empty()) reader.fail(root, "missing required key 'name'");
  if (!has_matrix) reader.fail(root, "missing required key 'matrix'");
  if (experiment.order_seed && experiment.order != RunOrder::kRandom)
    reader.fail(seed_node, "order_seed: only order: random uses a seed (the order here is " +
                               run_order_name(experiment.order) + ")");
  experiment.runs_auto = runs_auto;
  if (runs_auto) {
    if (!experiment.precision) experiment.precision = Precision{};
    experiment.runs = experiment.precision->max_runs;
  }
  check_cell_count(reader, matrix_node, axes, options);
  experiment.cells = expand(base, axes);
  int64_t runs = 0;
  for (const auto& cell : experiment.cells) runs += runs_of(experiment, cell);
  if (runs > kMaxRuns)
    reader.fail(has_runs ? runs_node : root,
                "the matrix asks for " + std::to_string(runs) +
                    " runs (each cell's warm-up and measured runs), more than " + std::to_string(kMaxRuns),
                "fewer cells or runs; split the sweep into several matrices");
  for (const auto& cell : experiment.cells)
    if (cell.settings.model_path.empty())
      reader.fail(has_worker ? worker_node : root,
                  has_worker ? "missing required key 'model' in worker" : "missing required key 'worker'",
                  "give the model once in the worker block (model: path.pt), or an axis of models");
  // iterations: auto takes its bounds and target from the precision block (or its
  // defaults); a precision block that nothing uses is a mistake.
  bool iterations_auto = false;
  for (auto& cell : experiment.cells) {
    if (!cell.settings.iterations_auto) continue;
    iterations_auto = true;
    if (!experiment.precision) experiment.precision = Precision{};
    cell.settings.min_iterations = experiment.precision->min_iterations;
    cell.settings.iterations = experiment.precision->max_iterations;
    cell.settings.iterations_target_percent = experiment.precision->target_percent;
  }
  if (experiment.precision && !runs_auto && !iterations_auto)
    reader.fail(precision_node,
                "precision: only runs: auto and iterations: auto use it (runs here is " +
                    std::to_string(experiment.runs) + ", and no cell has iterations: auto)",
                "runs: auto adds runs to each cell until its p50 is as precise as asked");
  experiment.calibration_program = default_worker;
  experiment.matrix_path = fs::absolute(path).lexically_normal().string();
  experiment.matrix_text = text;
  experiment.matrix_hash = content_hash(text);
  check_feasible(experiment, system);
  return experiment;
}

Experiment load_experiment(const std::string& path, const SystemInfo& system, const std::string& default_worker,
                           const MatrixOptions& options) {
  const std::string text = read_trusted_file(path, kMaxMatrixBytes, "the matrix file");
  auto line_of = [&](size_t offset) {
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
  };
  if (const auto nul = text.find('\0'); nul != std::string::npos)
    throw UserError(SourceLocation{path, line_of(nul)},
                    "not a text file: it holds a NUL byte (at byte " + std::to_string(nul) + ")",
                    "a matrix is a YAML text file");
  if (const auto bad = invalid_utf8_at(text))
    throw UserError(SourceLocation{path, line_of(*bad)},
                    "not a UTF-8 text file (byte " + std::to_string(*bad) + " is not UTF-8)",
                    "a matrix is a YAML text file in UTF-8");
  return parse_experiment(text, path, system, default_worker, options);
}

}  // namespace orch

// The `matrix:` block: its axes, and the cells that are their cartesian product. An
// axis named after a setting lists values of it; any other axis lists mappings of
// settings, each with an optional label. Each setting may come from one axis only.
#pragma once

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

#include "matrix/experiment.h"
#include "matrix/yaml_reader.h"

namespace orch {

// One value of an axis: the settings it gives and where, and its label.
struct AxisValue {
  std::string label;
  CellSettings settings;
  std::map<Setting, SourceLocation> origins;
};

struct Axis {
  std::string name;
  SourceLocation where;
  std::vector<AxisValue> values;
  std::set<Setting> settings;  // every setting some value of this axis gives
};

// Reads the axes; refuses one that gives a setting another gives too.
std::vector<Axis> read_axes(const YamlReader& reader, const YAML::Node& matrix);

// Refuses, before anything is expanded, axes of more cells than max_cells.
void check_cell_count(const YamlReader& reader, const YAML::Node& matrix, const std::vector<Axis>& axes,
                      const MatrixOptions& options);

// The cells: `base` (the worker block's settings and the defaults) with one value of
// each axis, the first axis varying slowest, labelled by the values' labels. Each
// cell's variables are bounded by what one execve takes, all cells' labels and
// variables by kMaxExpandedBytes (YAML aliases can repeat a long value everywhere).
std::vector<Cell> expand(const Cell& base, const std::vector<Axis>& axes);

}  // namespace orch

// Axes and their cartesian product (see expansion.h).
#include "matrix/expansion.h"

#include <unistd.h>

#include <algorithm>

#include "matrix/settings.h"

namespace orch {
namespace {

std::vector<std::string> axis_value_keys() {
  std::vector<std::string> keys = setting_keys();
  keys.push_back("label");
  return keys;
}

// A value's label, made of what it gives, in the table's order.
std::string generated_label(const AxisValue& value) {
  std::vector<std::string> parts;
  for (const auto& setting : settings_table())
    if (value.origins.count(setting.id)) parts.push_back(label_of(setting.id, value.settings));
  return join(parts, " ");
}

Axis read_axis(const YamlReader& reader, const std::string& name, const YAML::Node& key, const YAML::Node& values) {
  Axis axis{name, reader.at(key), {}, {}};
  if (!values.IsSequence() || values.size() == 0)
    reader.fail(values.IsNull() ? key : values,
                "matrix." + name + ": expected a non-empty list of values, got " + YamlReader::describe(values));
  const auto setting = find_setting(name);
  for (const auto& node : values) {
    AxisValue value;
    auto give = [&](Setting id, const YAML::Node& at) {
      read_setting(id, reader, at, value.settings);
      value.origins[id] = reader.at(at);
    };
    if (setting) {
      give(*setting, node);
    } else {
      reader.for_each_entry(node, "matrix." + name + " value", axis_value_keys(),
                            [&](const std::string& key_name, const YAML::Node& at) {
                              if (key_name == "label")
                                value.label = reader.label_text(at, "label");
                              else
                                give(*find_setting(key_name), at);
                            });
    }
    if (value.label.empty()) value.label = generated_label(value);
    if (has_control_character(value.label))  // a program's file name, say
      reader.fail(
          node,
          "matrix." + name + ": the label made of this value holds a control character: " + printable(value.label),
          "give the value a label of its own");
    for (const auto& other : axis.values)
      if (other.label == value.label)
        reader.fail(node, "matrix." + name + ": two values have the label '" + value.label + "'",
                    "cells are told apart by their labels: give each value its own label");
    for (const auto& [id, where] : value.origins) axis.settings.insert(id);
    axis.values.push_back(std::move(value));
  }
  return axis;
}

// Bytes a cell adds to the expansion: its label and its variables.
size_t cell_bytes(const Cell& cell) {
  size_t bytes = cell.label.size();
  for (const auto& [name, value] : cell.settings.env) bytes += name.size() + value.size() + 2;
  return bytes;
}

}  // namespace

std::vector<Axis> read_axes(const YamlReader& reader, const YAML::Node& matrix) {
  std::vector<Axis> axes;
  if (!matrix.IsMap())
    reader.fail(matrix, "matrix: expected a mapping of axes (like launcher: [host, taskset]), got " +
                            YamlReader::describe(matrix));
  if (matrix.size() == 0)
    reader.fail(matrix, "matrix is empty: give at least one axis, like launcher: [host, taskset]");
  reader.for_each_entry(
      matrix, "matrix", {}, [&](const std::string& name, const YAML::Node& values, const YAML::Node& key) {
        Axis axis = read_axis(reader, name, key, values);
        for (const auto& other : axes)
          for (const auto& id : axis.settings)
            if (other.settings.count(id))
              reader.fail(key,
                          "matrix." + name + " sets '" + setting_info(id).key + "', which axis '" + other.name + "' (" +
                              other.where.to_string() + ") sets too",
                          "give each setting to one axis; an axis of mappings can set several at once");
        axes.push_back(std::move(axis));
      });
  return axes;
}

void check_cell_count(const YamlReader& reader, const YAML::Node& matrix, const std::vector<Axis>& axes,
                      const MatrixOptions& options) {
  // Counted up to a bound, past which "far more" is all there is to say (and no
  // product can overflow: both factors stay below 2^32).
  const size_t far_more = options.max_cells * 1000;
  size_t cells = 1;
  std::vector<std::string> sizes;
  for (const auto& axis : axes) {
    sizes.push_back(std::to_string(axis.values.size()));
    cells = std::min(cells * axis.values.size(), far_more + 1);
  }
  if (cells > options.max_cells)
    reader.fail(matrix,
                "matrix: its axes (" + join(sizes, " x ") + " values) expand to " +
                    (cells > far_more ? "far more than " + std::to_string(options.max_cells) : std::to_string(cells)) +
                    " cells, more than --max-cells " + std::to_string(options.max_cells),
                "split the matrix, or raise --max-cells if you mean it");
}

std::vector<Cell> expand(const Cell& base, const std::vector<Axis>& axes) {
  const auto arg_max = static_cast<size_t>(::sysconf(_SC_ARG_MAX));
  std::vector<Cell> cells{base};
  for (const auto& axis : axes) {
    std::vector<Cell> next;
    size_t total_bytes = 0;
    for (const auto& partial : cells) {
      for (const auto& value : axis.values) {
        Cell cell = partial;
        for (const auto& [id, where] : value.origins) {
          copy_setting(id, value.settings, cell.settings);
          cell.origins[id] = where;
        }
        cell.label += (cell.label.empty() ? "" : ", ") + value.label;
        const size_t bytes = cell_bytes(cell);
        const auto env = cell.origins.find(Setting::kEnv);
        const SourceLocation where = env != cell.origins.end() ? env->second : axis.where;
        if (bytes > arg_max)
          throw UserError(where, "cell '" + first_line(cell.label, 200) + "': its variables take " +
                                     std::to_string(bytes) + " bytes, more than one process may be given (ARG_MAX " +
                                     std::to_string(arg_max) + ")");
        total_bytes += bytes;
        if (total_bytes > kMaxExpandedBytes)
          throw UserError(where,
                          "the matrix's cells take more than " + std::to_string(kMaxExpandedBytes >> 20) +
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

}  // namespace orch

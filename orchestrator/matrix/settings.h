// The table of cell settings: each declared once, with its matrix key, whether the
// `worker:` block may give it for every cell, whether a launcher must apply it, an
// example value (what `doctor` asks each launcher about), how its YAML is read, how
// it reads in a label, and the columns it is stored in. The matrix reader, the
// expansion, validate, doctor, the launchers' refusals and the store all read it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "common/value.h"
#include "matrix/experiment.h"
#include "matrix/yaml_reader.h"

namespace orch {

struct SettingInfo {
  Setting id;
  std::string key;        // as the matrix writes it
  bool worker_default;    // may stand in the `worker:` block, for every cell
  bool launcher_applied;  // a launcher applies it, and must say so (Launcher::applies)
  std::string example;    // a value of it, as YAML
};

// Every setting, in label order.
const std::vector<SettingInfo>& settings_table();
const SettingInfo& setting_info(Setting id);
std::optional<Setting> find_setting(const std::string& key);
std::vector<std::string> setting_keys();

// Reads `value` as setting `id` into `settings` (the value's own rules; what this
// machine allows is feasibility.h's to check). Throws UserError at the value.
void read_setting(Setting id, const YamlReader& reader, const YAML::Node& value, CellSettings& settings);
// Copies setting `id` from one cell's settings to another's.
void copy_setting(Setting id, const CellSettings& from, CellSettings& to);
// How setting `id` of `settings` reads in a cell's label: "cpuset=0-1", "intra_op=2".
std::string label_of(Setting id, const CellSettings& settings);
// Whether `settings` give setting `id` another value than a cell that says nothing.
bool is_given(Setting id, const CellSettings& settings);
// The columns of the cells table that hold setting `id` of `settings`.
Columns stored_columns(Setting id, const CellSettings& settings);
// The columns of every setting of `settings`, in settings_table() order.
Columns stored_columns(const CellSettings& settings);
// The names of every such column, of every setting.
std::vector<std::string> stored_column_names();
// A cell's identity across experiments: 16 hex digits of a 64-bit FNV-1a hash over
// the stored setting columns found in `row` (name=value, in stored_column_names()
// order), those added after schema 13 only where not NULL, then the cell's `replica`
// where not NULL (run --slurm-split replicas). The same settings give the same hash in
// every DB and every build, and a setting added later changes no old cell's.
std::string settings_hash(const Columns& row);

}  // namespace orch

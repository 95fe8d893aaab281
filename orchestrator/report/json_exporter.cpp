// The JSON exporter (see exporters.h).
#include <nlohmann/json.hpp>

#include "report/exporters.h"

namespace orch {
namespace {

nlohmann::json json_of(const Value& value) {
  if (const auto* integer = std::get_if<int64_t>(&value)) return *integer;
  if (const auto* real = std::get_if<double>(&value)) return *real;
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  return nullptr;
}

nlohmann::json interval_of(const Interval& interval) {
  return {{"low", interval.low}, {"high", interval.high}, {"confidence", interval.confidence}};
}

}  // namespace

void write_json(std::ostream& out, const Report& report) {
  nlohmann::json document;
  document["experiment"] = nlohmann::json::object();
  for (const auto& [name, value] : report.experiment) document["experiment"][name] = json_of(value);
  document["cells"] = nlohmann::json::array();
  for (const auto& row : report.cells.rows) {
    nlohmann::json cell = nlohmann::json::object();
    for (size_t c = 0; c < row.size(); ++c) cell[report.cells.columns[c].header] = json_of(row[c]);
    document["cells"].push_back(std::move(cell));
  }
  document["relative_speed"] = nlohmann::json::array();
  for (const auto& comparison : report.speed)
    document["relative_speed"].push_back({{"baseline", comparison.baseline},
                                          {"cell", comparison.other},
                                          {"ratio", comparison.ratio.ratio},
                                          {"interval", interval_of(comparison.ratio.interval)},
                                          {"distinguishable", comparison.distinguishable()},
                                          {"fewest_runs", comparison.fewest_runs}});
  document["legend"] = nlohmann::json::object();
  for (const auto& [code, meaning] : report.legend) document["legend"][code] = meaning;
  // Invalid UTF-8 (a label from before the checks) is replaced, never a throw.
  out << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace orch

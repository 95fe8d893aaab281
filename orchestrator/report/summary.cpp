// The cell summary's columns for people and for programs (see summary.h).
#include "report/summary.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <set>

#include "common/error.h"
#include "common/text.h"
#include "measure/warnings.h"

namespace orch {
namespace {

using RowValue = std::function<Value(const CellSummaryRow&)>;

struct DisplayColumn {
  DisplayColumn(std::string header, RowValue value_of_row, int decimals = 6)
      : column{std::move(header), decimals}, value(std::move(value_of_row)) {}
  SummaryColumn column;
  RowValue value;
};

// A text holding one number, as that number; other values as they are.
Value as_number(const Value& value) {
  const auto* text = std::get_if<std::string>(&value);
  if (!text || text->empty()) return value;
  char* end = nullptr;
  const double number = std::strtod(text->c_str(), &end);
  if (*end != '\0' || !std::isfinite(number)) return value;  // several values: "1,2"
  if (number == std::floor(number) && text->find_first_of(".eE") == std::string::npos)
    return static_cast<int64_t>(number);
  return number;
}

double rounded(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

// Decimals that keep three significant digits: 0.0167, 33.8, 409.
int significant_decimals(double value) {
  if (value == 0 || !std::isfinite(value)) return 0;
  return std::clamp(2 - static_cast<int>(std::floor(std::log10(std::fabs(value)))), 0, 6);
}

// Decimals the interval [low, high] supports: two significant digits of its width.
int interval_decimals(double low, double high, double value) {
  const double width = high - low;
  if (!(width > 0)) return significant_decimals(value);
  return std::clamp(1 - static_cast<int>(std::floor(std::log10(width))), 0, 6);
}

// A cell_summary column as it is (the display table names its source).
RowValue field(const char* name) {
  return [name](const CellSummaryRow& row) { return value_of(row.columns, name); };
}

// A number to three significant digits.
RowValue figure(const char* name) {
  return [name](const CellSummaryRow& row) -> Value {
    const auto number = number_of(value_of(row.columns, name));
    return number ? Value(rounded(*number, significant_decimals(*number))) : Value();
  };
}

// "a/b" of two columns; nothing when the first is missing.
RowValue pair(const char* first, const char* second) {
  return [=](const CellSummaryRow& row) -> Value {
    const Value &a = value_of(row.columns, first), &b = value_of(row.columns, second);
    if (std::holds_alternative<std::monostate>(a)) return {};
    return text_of(a) + "/" + text_of(b);
  };
}

// The p50, rounded as its interval allows.
std::optional<int> p50_decimals(const CellSummaryRow& row) {
  if (!row.p50_low_ms || !row.p50_high_ms || !row.latency_p50_ms) return std::nullopt;
  return interval_decimals(*row.p50_low_ms, *row.p50_high_ms, *row.latency_p50_ms);
}

Value p50(const CellSummaryRow& row) {
  if (!row.latency_p50_ms) return {};
  const double value = *row.latency_p50_ms;
  return rounded(value, p50_decimals(row).value_or(significant_decimals(value)));
}

// "33.0-34.9 (75%)": the p50's interval with the confidence it has.
Value p50_interval(const CellSummaryRow& row) {
  const auto decimals = p50_decimals(row);
  if (!decimals) return {};
  return format_number(rounded(*row.p50_low_ms, *decimals), *decimals) + "-" +
         format_number(rounded(*row.p50_high_ms, *decimals), *decimals) +
         (row.p50_confidence ? " (" + format_number(std::floor(*row.p50_confidence * 100), 0) + "%)" : "");
}

const std::vector<DisplayColumn>& display_columns() {
  static const std::vector<DisplayColumn> columns = {
      {"cell", field("cell")},
      {"node", field("node")},
      {"ok", pair("runs_ok", "runs")},
      {"threads", pair("intra_op_threads", "inter_op_threads")},
      {"cpus", field("effective_cpus")},
      {"p50 ms", p50},
      {"p50 interval", p50_interval},
      {"p99 ms", figure("latency_p99_ms")},
      {"gpu p50 ms", figure("device_latency_p50_ms")},
      {"cold start ms", figure("cold_start_ms")},
      {"warnings", field("warnings")},
  };
  return columns;
}

// The programs' default: the reading columns' sources, the interval as two fields.
const std::vector<std::string>& default_data_columns() {
  static const std::vector<std::string> columns = {"cell_index",
                                                   "cell",
                                                   "runs",
                                                   "runs_ok",
                                                   "intra_op_threads",
                                                   "inter_op_threads",
                                                   "effective_cpus",
                                                   "latency_p50_ms",
                                                   "latency_p50_ci_low_ms",
                                                   "latency_p50_ci_high_ms",
                                                   "latency_p50_ci_confidence",
                                                   "latency_p99_ms",
                                                   "device_latency_p50_ms",
                                                   "cold_start_ms",
                                                   "limit_mismatches",
                                                   "failures",
                                                   "warnings",
                                                   "attribution"};
  return columns;
}

}  // namespace

void Summary::drop_column_if_empty(const std::string& header) { drop_column_if(header, false); }

void Summary::drop_column_if_one_value(const std::string& header) { drop_column_if(header, true); }

void Summary::drop_column_if(const std::string& header, bool one_value) {
  const auto found = std::find_if(columns.begin(), columns.end(),
                                  [&](const SummaryColumn& column) { return column.header == header; });
  if (found == columns.end()) return;
  const auto index = found - columns.begin();
  if (std::any_of(rows.begin(), rows.end(), [&](const auto& row) {
        return one_value ? row[index] != rows.front()[index] : !std::holds_alternative<std::monostate>(row[index]);
      }))
    return;
  columns.erase(found);
  for (auto& row : rows) row.erase(row.begin() + index);
}

Summary reading_summary(const std::vector<CellSummaryRow>& cell_summary) {
  Summary summary;
  for (const auto& display : display_columns()) summary.columns.push_back(display.column);
  for (const auto& cell : cell_summary) {
    auto& row = summary.rows.emplace_back();
    for (const auto& display : display_columns()) row.push_back(display.value(cell));
  }
  summary.drop_column_if_empty("gpu p50 ms");  // shown when a cell ran on a GPU
  summary.drop_column_if_one_value("node");    // shown when the cells ran on several (run --slurm)
  return summary;
}

Summary data_summary(const std::vector<CellSummaryRow>& cell_summary, const std::vector<std::string>& wanted) {
  std::vector<std::string> names = wanted.empty() ? default_data_columns() : wanted;
  if (wanted == std::vector<std::string>{"all"}) {
    names.clear();
    if (!cell_summary.empty())
      for (const auto& [name, value] : cell_summary.front().columns) names.push_back(name);
  } else if (!wanted.empty() && !cell_summary.empty()) {
    const Columns& first = cell_summary.front().columns;
    for (const auto& name : names)
      if (std::none_of(first.begin(), first.end(), [&](const auto& column) { return column.first == name; }))
        throw UserError("cell_summary has no column '" + printable(name) + "'",
                        "--columns all lists every column; the README describes them");
  }
  Summary summary;
  for (const auto& name : names) summary.columns.push_back({name, 15});
  for (const auto& cell : cell_summary) {
    auto& row = summary.rows.emplace_back();
    for (const auto& name : names) row.push_back(value_of(cell.columns, name));
  }
  // A text column becomes numbers only when each of its rows holds one number: a
  // column's type is the same in every row (effective_cpus "0" and "0-1" stay texts).
  for (size_t column = 0; column < names.size(); ++column) {
    const bool numbers = std::all_of(summary.rows.begin(), summary.rows.end(), [&](const auto& row) {
      const Value& value = row[column];
      return !std::holds_alternative<std::string>(value) || !std::holds_alternative<std::string>(as_number(value));
    });
    if (numbers)
      for (auto& row : summary.rows) row[column] = as_number(row[column]);
  }
  return summary;
}

std::string shown_text(const Value& value, int decimals) {
  if (const auto* real = std::get_if<double>(&value)) return format_number(*real, decimals);
  if (std::holds_alternative<std::monostate>(value)) return "-";
  return text_of(value);
}

std::vector<std::pair<std::string, std::string>> warning_legend(const std::vector<CellSummaryRow>& cell_summary,
                                                                const std::string& experiment_warnings) {
  std::set<std::string> codes;
  for (auto& code : split_codes(experiment_warnings)) codes.insert(code);
  for (const auto& cell : cell_summary)
    for (auto& code : split_codes(cell.warnings)) codes.insert(code);
  std::vector<std::pair<std::string, std::string>> legend;
  for (const auto& code : codes) legend.push_back({code, warning_meaning(code)});
  return legend;
}

std::string speed_line(const SpeedComparison& comparison) {
  const Interval& interval = comparison.ratio.interval;
  const std::string level = format_number(std::floor(interval.confidence * 100), 0) + "%";
  const std::string few = comparison.fewest_runs < values_for_confidence(kTargetConfidence)
                              ? " [few runs: " + std::to_string(comparison.fewest_runs) + "]"
                              : "";
  auto number = [](double value) { return format_number(value, 2); };
  if (!comparison.distinguishable())
    return "'" + comparison.other + "' and '" + comparison.baseline + "' are not distinguishable (ratio " +
           number(comparison.ratio.ratio) + ", " + level + " interval " + number(interval.low) + "-" +
           number(interval.high) + ")" + few;
  const bool slower = comparison.ratio.ratio >= 1;  // the other cell is slower than the baseline
  // As a factor above 1 either way: "x times faster" or "x times slower".
  const double factor = slower ? comparison.ratio.ratio : 1 / comparison.ratio.ratio;
  const double low = slower ? interval.low : 1 / interval.high, high = slower ? interval.high : 1 / interval.low;
  return "'" + comparison.baseline + "' ran " + number(factor) + " ± " + number((high - low) / 2) + " times " +
         (slower ? "faster" : "slower") + " than '" + comparison.other + "' (" + level + " interval " + number(low) +
         "-" + number(high) + ")" + few;
}

}  // namespace orch

// The cell summary's display columns (see summary.h).
#include "report/summary.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>

#include "common/text.h"

namespace orch {
namespace {

constexpr double kMiB = 1048576.0;

struct DisplayColumn {
  DisplayColumn(std::string header, std::function<Value(const Columns&)> value_of_row, int decimals = 3)
      : column{std::move(header), decimals}, value(std::move(value_of_row)) {}
  SummaryColumn column;
  std::function<Value(const Columns&)> value;
};

// The value of a cell_summary column as it is.
std::function<Value(const Columns&)> field(const char* name) {
  return [name](const Columns& row) { return value_of(row, name); };
}

// A number of `name` divided by `unit`.
std::function<Value(const Columns&)> scaled(const char* name, double unit) {
  return [name, unit](const Columns& row) -> Value {
    const Value& value = value_of(row, name);
    auto number = number_of(value);
    // In-effect columns hold the runs' distinct values as text: one number, or a list.
    if (const auto* text = std::get_if<std::string>(&value)) {
      char* end = nullptr;
      const double parsed = std::strtod(text->c_str(), &end);
      if (text->empty() || *end != '\0') return value;  // several values: shown as they are
      number = parsed;
    }
    return number ? Value(*number / unit) : Value();
  };
}

// "a<separator>b" of two columns; nothing when the first is missing.
std::function<Value(const Columns&)> pair(const char* first, const char* second, const char* separator) {
  return [=](const Columns& row) -> Value {
    if (std::holds_alternative<std::monostate>(value_of(row, first))) return {};
    return text_of(value_of(row, first)) + separator + text_of(value_of(row, second));
  };
}

// "9.9-10.3 (75%)": an interval with the confidence it has.
std::function<Value(const Columns&)> interval(const char* low, const char* high, const char* confidence) {
  return [=](const Columns& row) -> Value {
    const auto from = number_of(value_of(row, low)), to = number_of(value_of(row, high));
    if (!from || !to) return {};
    const auto level = number_of(value_of(row, confidence));
    return format_number(*from, 3) + "-" + format_number(*to, 3) +
           (level ? " (" + format_number(std::floor(*level * 100), 0) + "%)" : "");
  };
}

const std::vector<DisplayColumn>& display_columns() {
  static const std::vector<DisplayColumn> columns = {
      {"#",
       [](const Columns& row) -> Value {
         const auto index = number_of(value_of(row, "cell_index"));
         return index ? Value(static_cast<int64_t>(*index) + 1) : Value();
       }},
      {"cell", field("cell")},
      {"ok", pair("runs_ok", "runs", "/")},
      {"threads", pair("intra_op_threads", "inter_op_threads", "/")},
      {"cpus", field("effective_cpus")},
      {"cpu quota %", field("effective_cpu_quota_percent")},
      {"mem limit MiB", scaled("effective_memory_limit_bytes", kMiB), 0},
      {"lib load ms", field("library_load_ms")},
      {"model load ms", field("model_load_ms")},
      {"1st infer ms", field("first_inference_ms")},
      {"mean ms", field("latency_mean_ms")},
      {"p50 ms", field("latency_p50_ms")},
      {"p50 interval", interval("latency_p50_ci_low_ms", "latency_p50_ci_high_ms", "latency_p50_ci_confidence")},
      {"p99 ms", field("latency_p99_ms")},
      {"gpu p50 ms", field("device_latency_p50_ms")},
      {"throttled ms", field("throttled_ms")},
      {"cgroup peak MiB", scaled("peak_memory_bytes", kMiB), 0},
      {"max RSS MiB", scaled("max_rss_kib", 1024.0), 0},
      {"invol cs", field("involuntary_ctx_switches")},
      {"limits",
       [](const Columns& row) -> Value {
         if (number_of(value_of(row, "limit_mismatches")).value_or(0) > 0) return std::string("MISMATCH");
         if (std::holds_alternative<std::monostate>(value_of(row, "effective_cpus")))
           return {};  // no run reported what was in effect
         return std::string("ok");
       }},
      {"failures", field("failures")},
      {"warnings", field("warnings")},
  };
  return columns;
}

}  // namespace

void Summary::drop_column_if_empty(const std::string& header) {
  const auto found = std::find_if(columns.begin(), columns.end(),
                                  [&](const SummaryColumn& column) { return column.header == header; });
  if (found == columns.end()) return;
  const auto index = found - columns.begin();
  if (std::any_of(rows.begin(), rows.end(),
                  [&](const auto& row) { return !std::holds_alternative<std::monostate>(row[index]); }))
    return;
  columns.erase(found);
  for (auto& row : rows) row.erase(row.begin() + index);
}

Summary cell_summary_report(const std::vector<Columns>& cell_summary) {
  Summary summary;
  for (const auto& display : display_columns()) summary.columns.push_back(display.column);
  for (const auto& cell : cell_summary) {
    auto& row = summary.rows.emplace_back();
    for (const auto& display : display_columns()) row.push_back(display.value(cell));
  }
  summary.drop_column_if_empty("gpu p50 ms");  // shown when a cell ran on a GPU
  return summary;
}

}  // namespace orch

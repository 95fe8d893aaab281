// The comparison of two experiments, for people and for programs (see exporters.h).
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/text.h"
#include "report/exporters.h"

namespace orch {
namespace {

std::string percent(double ratio) {
  const double change = (ratio - 1) * 100;
  return (change >= 0 ? "+" : "") + format_number(change, 1) + "%";
}

std::string milliseconds(double value) { return format_number(value, value < 10 ? 3 : 1); }

Summary comparison_table(const Comparison& comparison) {
  Summary table;
  table.columns = {{"cell"}, {"metric"}, {"base ms"}, {"new ms"}, {"change"}, {"interval"}, {"verdict"}};
  for (const auto& cell : comparison.matched)
    for (const auto& metric : cell.metrics) {
      const Interval& interval = metric.ratio.interval;
      table.rows.push_back({cell.label, metric.metric, milliseconds(metric.base), milliseconds(metric.now),
                            percent(metric.ratio.ratio),
                            percent(interval.low) + " to " + percent(interval.high) + " (" +
                                format_number(std::floor(interval.confidence * 100), 0) + "%)",
                            std::string(verdict_name(metric.verdict)) + (metric.why.empty() ? "" : ": " + metric.why)});
    }
  return table;
}

// One line of prose, in the format's own escaping.
std::string prose(const std::string& text, bool markdown) { return markdown ? markdown_text(text) : printable(text); }

void list(std::ostream& out, const char* what, const std::vector<std::string>& labels, bool markdown) {
  if (labels.empty()) return;
  out << (markdown ? "- " : "") << what << ":";
  for (const auto& label : labels) out << " '" << prose(label, markdown) << "'";
  out << '\n';
}

}  // namespace

void write_comparison(std::ostream& out, const ComparisonReport& report, Format format) {
  const Comparison& comparison = report.comparison;
  if (format == Format::kJson || format == Format::kCsv) {
    nlohmann::json document = {{"base", report.base_title},     {"new", report.new_title},
                               {"warnings", report.warnings},   {"regression", comparison.regression()},
                               {"added", comparison.added},     {"removed", comparison.removed},
                               {"changed", comparison.changed}, {"cells", nlohmann::json::array()}};
    for (const auto& cell : comparison.matched) {
      nlohmann::json metrics = nlohmann::json::array();
      for (const auto& metric : cell.metrics)
        metrics.push_back({{"metric", metric.metric},
                           {"base_ms", metric.base},
                           {"new_ms", metric.now},
                           {"ratio", metric.ratio.ratio},
                           {"low", metric.ratio.interval.low},
                           {"high", metric.ratio.interval.high},
                           {"confidence", metric.ratio.interval.confidence},
                           {"verdict", verdict_name(metric.verdict)},
                           {"why", metric.why}});
      nlohmann::json why;  // null: no counter past its threshold
      for (const auto& [label, line] : report.reasons)
        if (label == cell.label) why = line;
      document["cells"].push_back({{"cell", cell.label},
                                   {"settings_hash", cell.settings_hash},
                                   {"history_nights", cell.history_nights},
                                   {"metrics", metrics},
                                   {"attribution", why}});
    }
    out << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return;
  }
  const bool md = format == Format::kMarkdown;
  const char* item = md ? "- " : "";
  if (md) out << "## Comparison\n\n";
  out << item << "base: " << prose(report.base_title, md) << '\n'
      << item << (md ? "new: " : "new:  ") << prose(report.new_title, md) << '\n';
  for (const auto& warning : report.warnings) out << item << "warning: " << prose(warning, md) << '\n';
  list(out, "cells only in the new experiment", comparison.added, md);
  list(out, "cells only in the base", comparison.removed, md);
  list(out, "cells whose settings changed (not compared)", comparison.changed, md);
  out << '\n';
  if (md)
    write_markdown_table(out, comparison_table(comparison));
  else
    write_table(out, comparison_table(comparison));
  size_t slower = 0, faster = 0;
  for (const auto& cell : comparison.matched)
    for (const auto& metric : cell.metrics) {
      slower += metric.verdict == Verdict::kSlower;
      faster += metric.verdict == Verdict::kFaster;
    }
  out << '\n'
      << (slower ? std::to_string(slower) + " slower" : std::string("no regression")) << ", "
      << (faster ? std::to_string(faster) + " faster" : std::string("nothing faster")) << " (of "
      << comparison.matched.size() << " matched cells; a change counts when its interval leaves out 0 and it is over "
      << format_number(report.threshold * 100, 1) << "%, and a p50's also beyond its nights' spread)\n";
  if (!report.reasons.empty()) {
    out << "\nwhy, in the new experiment (from its stored counters):\n" << (md ? "\n" : "");
    for (const auto& [cell, why] : report.reasons)
      out << (md ? "- " : "  ") << prose(cell, md) << ": " << prose(why, md) << '\n';
  }
}

}  // namespace orch

// The Markdown exporter (see exporters.h).
#include <string>

#include "common/text.h"
#include "report/exporters.h"

namespace orch {
namespace {

// A table cell: one printable line, '|' escaped.
std::string cell_text(const std::string& text) {
  std::string escaped;
  for (char c : printable(text)) {
    if (c == '|') escaped += '\\';
    escaped += c;
  }
  return escaped;
}

}  // namespace

void write_markdown(std::ostream& out, const Report& report) {
  out << "## " << cell_text(report.title) << "\n\n";
  const Summary& summary = report.cells;
  std::string header = "|", rule = "|";
  for (const auto& column : summary.columns) {
    header += " " + cell_text(column.header) + " |";
    rule += " --- |";
  }
  out << header << '\n' << rule << '\n';
  for (const auto& row : summary.rows) {
    std::string line = "|";
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string text = shown_text(row[c], summary.columns[c].decimals);
      line += " " + cell_text(text) + " |";
    }
    out << line << '\n';
  }
  if (!report.speed.empty()) {
    out << "\nRelative speed (p50; runs and iterations resampled):\n\n";
    for (const auto& comparison : report.speed) out << "- " << cell_text(speed_line(comparison)) << '\n';
  }
  if (!report.reasons.empty()) {
    out << "\nWhy (from the stored counters):\n\n";
    for (const auto& [cell, why] : report.reasons) out << "- " << cell_text(cell) << ": " << cell_text(why) << '\n';
  }
  if (!report.legend.empty()) {
    out << "\nWarnings:\n\n";
    for (const auto& [code, meaning] : report.legend) out << "- `" << code << "`: " << cell_text(meaning) << '\n';
  }
}

}  // namespace orch

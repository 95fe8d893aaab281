// The Markdown exporter (see exporters.h).
#include <cctype>
#include <string>

#include "common/text.h"
#include "report/exporters.h"

namespace orch {

std::string markdown_text(const std::string& text) {
  static const std::string kMarked = "\\`*_[]|~!#";  // a link, emphasis, code, a table's edge
  const std::string shown = printable(text);         // no NUL, no control character left
  auto word = [&](size_t i) { return i < shown.size() && std::isalnum(static_cast<unsigned char>(shown[i])); };
  std::string escaped;
  for (size_t i = 0; i < shown.size(); ++i) {
    const char c = shown[i];
    if (c == '<' || c == '>' || c == '&') {
      escaped += c == '<' ? "&lt;" : c == '>' ? "&gt;" : "&amp;";  // never read as HTML
      continue;
    }
    // An underscore inside a word (OMP_NUM_THREADS) can neither open nor close
    // emphasis in CommonMark: left as it is, it keeps the table narrow.
    const bool inside_word = c == '_' && i > 0 && word(i - 1) && word(i + 1);
    if (kMarked.find(c) != std::string::npos && !inside_word) escaped += '\\';
    escaped += c;
  }
  return escaped;
}

void write_markdown_table(std::ostream& out, const Summary& summary) {
  std::string header = "|", rule = "|";
  for (const auto& column : summary.columns) {
    header += " " + markdown_text(column.header) + " |";
    rule += " --- |";
  }
  out << header << '\n' << rule << '\n';
  for (const auto& row : summary.rows) {
    std::string line = "|";
    for (size_t c = 0; c < row.size(); ++c)
      line += " " + markdown_text(shown_text(row[c], summary.columns[c].decimals)) + " |";
    out << line << '\n';
  }
}

void write_markdown(std::ostream& out, const Report& report) {
  out << "## " << markdown_text(report.title) << "\n\n";
  write_markdown_table(out, report.cells);
  if (!report.speed.empty()) {
    out << "\nRelative speed (p50; runs and iterations resampled):\n\n";
    for (const auto& comparison : report.speed) out << "- " << markdown_text(speed_line(comparison)) << '\n';
  }
  if (!report.reasons.empty()) {
    out << "\nWhy (from the stored counters):\n\n";
    for (const auto& [cell, why] : report.reasons)
      out << "- " << markdown_text(cell) << ": " << markdown_text(why) << '\n';
  }
  if (!report.legend.empty()) {
    out << "\nWarnings:\n\n";
    for (const auto& [code, meaning] : report.legend) out << "- `" << code << "`: " << markdown_text(meaning) << '\n';
  }
}

}  // namespace orch

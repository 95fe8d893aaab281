// The text exporters: the aligned table and the report around it (see exporters.h).
#include <algorithm>
#include <string>

#include "common/text.h"
#include "report/exporters.h"

namespace orch {

void write_table(std::ostream& out, const Summary& summary) {
  const size_t columns = summary.columns.size();
  std::vector<std::vector<std::string>> cells;
  std::vector<size_t> width(columns);
  std::vector<bool> numeric(columns, true);
  for (size_t c = 0; c < columns; ++c) width[c] = summary.columns[c].header.size();
  for (const auto& row : summary.rows) {
    auto& texts = cells.emplace_back();
    for (size_t c = 0; c < columns; ++c) {
      const Value& value = row[c];
      // Labels and reasons come from matrices and workers: printable, one line each.
      std::string text = printable(shown_text(value, summary.columns[c].decimals));
      if (std::holds_alternative<std::string>(value)) numeric[c] = false;
      width[c] = std::max(width[c], text.size());
      texts.push_back(std::move(text));
    }
  }
  auto print_row = [&](auto cell_text) {
    std::string line;
    for (size_t c = 0; c < columns; ++c) {
      const std::string text = cell_text(c);
      const std::string pad(width[c] - text.size(), ' ');
      line += (c ? "  " : "") + (numeric[c] ? pad + text : text + pad);
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << '\n';
  };
  print_row([&](size_t c) { return summary.columns[c].header; });
  print_row([&](size_t c) { return std::string(width[c], '-'); });
  for (const auto& row : cells) print_row([&](size_t c) { return row[c]; });
}

void write_text_report(std::ostream& out, const Report& report) {
  out << printable(report.title) << '\n';
  write_table(out, report.cells);
  if (!report.speed.empty()) {
    out << "\nrelative speed (p50, runs and iterations resampled):\n";
    for (const auto& comparison : report.speed) out << "  " << printable(speed_line(comparison)) << '\n';
  }
  if (!report.reasons.empty()) {
    out << "\nwhy (from the stored counters):\n";
    for (const auto& [cell, why] : report.reasons) out << "  " << printable(cell) << ": " << printable(why) << '\n';
  }
  if (!report.legend.empty()) {
    out << "\nwarnings:\n";
    for (const auto& [code, meaning] : report.legend) out << "  " << code << ": " << meaning << '\n';
  }
}

}  // namespace orch

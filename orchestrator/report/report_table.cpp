// Aligned text rendering of a Table (see report_table.h).
#include "report/report_table.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "common/text.h"

namespace orch {
namespace {

bool is_number(const std::string& text) {
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size();
}

}  // namespace

void print_table(std::ostream& out, const Table& raw) {
  // Labels and reasons come from matrices and workers: one line each, whatever they hold.
  Table table = raw;
  for (auto& row : table.rows)
    for (auto& cell : row)
      if (cell) cell = printable(*cell);
  const size_t columns = table.headers.size();
  std::vector<size_t> width(columns);
  std::vector<bool> numeric(columns, true);
  for (size_t c = 0; c < columns; ++c) width[c] = table.headers[c].size();
  for (const auto& row : table.rows)
    for (size_t c = 0; c < columns; ++c) {
      const std::string text = row[c].value_or("-");
      width[c] = std::max(width[c], text.size());
      if (row[c] && !is_number(*row[c])) numeric[c] = false;
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
  print_row([&](size_t c) { return table.headers[c]; });
  print_row([&](size_t c) { return std::string(width[c], '-'); });
  for (const auto& row : table.rows) print_row([&](size_t c) { return row[c].value_or("-"); });
}

}  // namespace orch

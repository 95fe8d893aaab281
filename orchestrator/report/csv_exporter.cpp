// The CSV exporter (see exporters.h).
#include <string>

#include "common/text.h"
#include "report/exporters.h"

namespace orch {
namespace {

// RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled.
std::string field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

void write_csv(std::ostream& out, const Report& report) {
  const Summary& summary = report.cells;
  for (size_t c = 0; c < summary.columns.size(); ++c) out << (c ? "," : "") << field(summary.columns[c].header);
  out << "\r\n";
  for (const auto& row : summary.rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      out << (c ? "," : "") << field(text_of(row[c]));  // NULL: an empty field; reals with 15 digits
    }
    out << "\r\n";
  }
}

}  // namespace orch

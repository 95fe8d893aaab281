// The CSV exporter (see exporters.h).
#include <regex>
#include <string>
#include <variant>

#include "common/text.h"
#include "report/exporters.h"

namespace orch {
namespace {

// A whole field that is a number, or a percentage ("-3.5", "+89.2%"): data, not a formula.
bool numeric(const std::string& text) {
  static const std::regex number(R"([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?%?)");
  return std::regex_match(text, number);
}

// RFC 4180, made safe to open in a spreadsheet: control characters escaped
// (printable), a text that a spreadsheet would run as a formula (OWASP: a leading =,
// +, -, @, tab or CR) prefixed with ', unless the whole of it is a number; quoted
// when it holds a comma, a quote or a line break, quotes doubled.
std::string field(const Value& value) {
  std::string text = text_of(value);  // NULL: an empty field; reals with 15 digits
  if (std::holds_alternative<std::string>(value)) {
    text = printable(text);
    if (!text.empty() && std::string("=+-@\t\r").find(text[0]) != std::string::npos && !numeric(text))
      text.insert(0, "'");
  }
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
    for (size_t c = 0; c < row.size(); ++c) out << (c ? "," : "") << field(row[c]);
    out << "\r\n";
  }
}

}  // namespace orch

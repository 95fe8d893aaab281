// Values of columns (see value.h).
#include "common/value.h"

#include <cstdio>
#include <cstring>

namespace orch {

const Value& value_of(const Columns& row, std::string_view name) {
  static const Value null;
  for (const auto& [column, value] : row)
    if (column == name) return value;
  return null;
}

std::optional<double> number_of(const Value& value) {
  if (const auto* integer = std::get_if<int64_t>(&value)) return static_cast<double>(*integer);
  if (const auto* real = std::get_if<double>(&value)) return *real;
  return std::nullopt;
}

std::optional<int64_t> integer_of(const Value& value) {
  if (const auto* integer = std::get_if<int64_t>(&value)) return *integer;
  return std::nullopt;
}

std::string text_of(const Value& value) {
  if (const auto* integer = std::get_if<int64_t>(&value)) return std::to_string(*integer);
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (const auto* real = std::get_if<double>(&value)) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.15g", *real);
    std::string written = buffer;
    if (written.find_first_of(".eni") == std::string::npos) written += ".0";  // SQLite's "200.0"
    return written;
  }
  return "";
}

}  // namespace orch

// A value as a column holds it, and a row of them: what the settings table says a
// cell stores (matrix/settings.h) and what the store writes (store/result_store.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace orch {

using Value = std::variant<std::monostate, int64_t, double, std::string>;  // monostate: NULL
using Columns = std::vector<std::pair<std::string, Value>>;

// NULL for an absent value, and for empty text.
template <typename T>
Value optional_value(const std::optional<T>& value) {
  return value ? Value(*value) : Value();
}
inline Value optional_text(const std::string& text) { return text.empty() ? Value() : Value(text); }

// The value of column `name` in `row`; NULL when the row has no such column.
const Value& value_of(const Columns& row, std::string_view name);
// A number as a double; nullopt for NULL and for text.
std::optional<double> number_of(const Value& value);
// An integer (an id, a count); nullopt for anything else.
std::optional<int64_t> integer_of(const Value& value);
// The value as SQLite would write it as text (a real always with a '.' or exponent);
// "" for NULL.
std::string text_of(const Value& value);

}  // namespace orch

// Text helpers: joining every list the orchestrator prints or stores, counts, and
// making untrusted text (labels, a worker's errors) safe to print on one line.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orch {

inline std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : separator) + part;
  return text;
}

// The parts of `text` between `separator`s: "a/b" -> {"a", "b"}, "" -> {""}.
inline std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts(1);
  for (char c : text)
    if (c == separator)
      parts.emplace_back();
    else
      parts.back() += c;
  return parts;
}

// An input shape (or any list of integers) as "1,3,224,224".
template <typename Int>
std::string join_numbers(const std::vector<Int>& numbers, const std::string& separator = ",") {
  std::vector<std::string> parts;
  for (auto number : numbers) parts.push_back(std::to_string(number));
  return join(parts, separator);
}

inline bool ends_with(const std::string& text, const std::string& end) {
  return text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0;
}

// "1 cell", "3 cells".
inline std::string count(size_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// `value` as a stream writes it by default (6 significant digits): 50, 0.5, 1e+20.
std::string number_text(double value);

// `value` with `decimals` decimals, trailing zeros (and a trailing '.') dropped:
// 12.5, 3, 0.125.
std::string format_number(double value, int decimals);

// `text` with every control character (C0, DEL, C1), every character that reorders
// or breaks a line (bidirectional overrides and isolates, U+2028, U+2029) and every
// byte that is not valid UTF-8 written as an escape (\n, \r, \t, \xNN), so that it
// cannot start a new log line, move the cursor, recolour a terminal or make a line
// read backwards. Other valid UTF-8 text passes unchanged.
std::string printable(const std::string& text);
// The same, but newlines and tabs stay: for text kept as lines (a worker's output).
std::string printable_lines(const std::string& text);

// The first line of `text`, at most `max_chars` bytes of it (cut at a UTF-8 boundary,
// with "..." when cut), printable. For reasons built from a worker's output.
std::string first_line(const std::string& text, size_t max_chars);

// The offset of the first byte that is not valid UTF-8, if there is one.
std::optional<size_t> invalid_utf8_at(const std::string& text);

// Variables as JSON with every non-ASCII character escaped (\uXXXX) and any byte
// that is not UTF-8 replaced: a column that a terminal can print as it is.
std::string ascii_json(const std::map<std::string, std::string>& variables);

// Whether `text` holds a character printable() escapes (invalid bytes aside).
bool has_control_character(const std::string& text);

}  // namespace orch

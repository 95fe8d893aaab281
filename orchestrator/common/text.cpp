// Escaping of untrusted text (see text.h).
#include "common/text.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

namespace orch {
namespace {

// The length of the valid UTF-8 sequence at `text[i]` (RFC 3629: no overlong form,
// no surrogate, nothing above U+10FFFF), 0 when the bytes there are not one; its code
// point in `code`.
size_t utf8_length(const std::string& text, size_t i, uint32_t& code) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  size_t length = lead < 0x80             ? 1
                  : (lead & 0xE0) == 0xC0 ? 2
                  : (lead & 0xF0) == 0xE0 ? 3
                  : (lead & 0xF8) == 0xF0 ? 4
                                          : 0;
  if (length == 0 || i + length > text.size()) return 0;
  code = length == 1 ? lead : length == 2 ? lead & 0x1Fu : length == 3 ? lead & 0x0Fu : lead & 0x07u;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3Fu);
  }
  static const uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kSmallest[length] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) return 0;
  return length;
}

// Whether code point `code` is a control character, or one that reorders or breaks
// lines on a terminal: C0, DEL, C1, the bidirectional marks, embeddings, overrides and
// isolates (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069), the line and
// paragraph separators (U+2028, U+2029) and the byte-order mark (U+FEFF).
bool is_control(uint32_t code) {
  return code < 0x20 || (code >= 0x7F && code < 0xA0) || code == 0x061C || code == 0x200E || code == 0x200F ||
         (code >= 0x2028 && code <= 0x202E) || (code >= 0x2066 && code <= 0x2069) || code == 0xFEFF;
}

std::string escape_byte(uint8_t byte) {
  switch (byte) {
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default: {
      char hex[5];
      std::snprintf(hex, sizeof(hex), "\\x%02x", byte);
      return hex;
    }
  }
}

std::string escaped(const std::string& text, bool keep_lines) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    uint32_t code = 0;
    const size_t length = utf8_length(text, i, code);
    if (keep_lines && length == 1 && (code == '\n' || code == '\t')) {
      out += text[i++];
      continue;
    }
    if (length == 0 || is_control(code)) {
      for (size_t k = 0; k < (length == 0 ? 1 : length); ++k) out += escape_byte(static_cast<uint8_t>(text[i + k]));
      i += length == 0 ? 1 : length;
      continue;
    }
    out.append(text, i, length);
    i += length;
  }
  return out;
}

}  // namespace

std::string printable(const std::string& text) { return escaped(text, false); }

std::string printable_lines(const std::string& text) { return escaped(text, true); }

std::string first_line(const std::string& text, size_t max_chars) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.size() <= max_chars) return printable(line);
  size_t cut = max_chars;
  while (cut > 0 && (static_cast<uint8_t>(line[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  return printable(line.substr(0, cut)) + "...";
}

std::optional<size_t> invalid_utf8_at(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    uint32_t code = 0;
    const size_t length = utf8_length(text, i, code);
    if (length == 0) return i;
    i += length;
  }
  return std::nullopt;
}

std::string ascii_json(const std::map<std::string, std::string>& variables) {
  return nlohmann::json(variables).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

bool has_control_character(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    uint32_t code = 0;
    const size_t length = utf8_length(text, i, code);
    if (length != 0 && is_control(code)) return true;
    i += length == 0 ? 1 : length;
  }
  return false;
}

std::string format_number(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", std::max(decimals, 0), value);
  std::string text = buffer;
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text == "-0" ? "0" : text;
}

std::string number_text(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

}  // namespace orch

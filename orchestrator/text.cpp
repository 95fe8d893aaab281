// Escaping of untrusted text (see text.h).
#include "text.h"

#include <cstdint>
#include <cstdio>

namespace orch {
namespace {

// The length of the valid UTF-8 sequence at `text[i]`, 0 when the bytes there are not one.
size_t utf8_length(const std::string& text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  size_t length = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 0;
  if (length == 0 || i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  if (length == 2 && lead < 0xC2) return 0;  // overlong
  return length;
}

// Whether the sequence at `text[i]` of `length` bytes is a control character.
bool is_control(const std::string& text, size_t i, size_t length) {
  const auto lead = static_cast<uint8_t>(text[i]);
  if (length == 1) return lead < 0x20 || lead == 0x7F;
  return length == 2 && lead == 0xC2 && static_cast<uint8_t>(text[i + 1]) < 0xA0;  // U+0080..U+009F
}

std::string escape_byte(uint8_t byte) {
  switch (byte) {
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: {
      char hex[5];
      std::snprintf(hex, sizeof(hex), "\\x%02x", byte);
      return hex;
    }
  }
}

}  // namespace

std::string printable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t length = utf8_length(text, i);
    if (length == 0 || is_control(text, i, length)) {
      for (size_t k = 0; k < (length == 0 ? 1 : length); ++k) out += escape_byte(static_cast<uint8_t>(text[i + k]));
      i += length == 0 ? 1 : length;
      continue;
    }
    out.append(text, i, length);
    i += length;
  }
  return out;
}

std::string first_line(const std::string& text, size_t max_chars) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.size() <= max_chars) return printable(line);
  size_t cut = max_chars;
  while (cut > 0 && (static_cast<uint8_t>(line[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  return printable(line.substr(0, cut)) + "...";
}

bool has_control_character(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = utf8_length(text, i);
    if (length != 0 && is_control(text, i, length)) return true;
    i += length == 0 ? 1 : length;
  }
  return false;
}

}  // namespace orch

// Formatting of error locations (see error.h).
#include "common/error.h"

namespace orch {

std::string SourceLocation::to_string() const {
  std::string text = file;
  if (line > 0) text += ":" + std::to_string(line);
  if (column > 0) text += ":" + std::to_string(column);
  return text;
}

}  // namespace orch

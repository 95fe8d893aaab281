// A table of text cells: what a query returns for display, and what reports print.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace orch {

struct Table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt: SQL NULL
};

}  // namespace orch

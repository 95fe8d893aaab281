// A table of text cells: what a query returns for display, and what reports print.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace orch {

struct Table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt: SQL NULL

  // Removes the column named `header` when no row has a value in it.
  void drop_column_if_empty(const std::string& header) {
    const auto found = std::find(headers.begin(), headers.end(), header);
    if (found == headers.end()) return;
    const auto column = found - headers.begin();
    if (std::any_of(rows.begin(), rows.end(), [&](const auto& row) { return row[column].has_value(); })) return;
    headers.erase(found);
    for (auto& row : rows) row.erase(row.begin() + column);
  }
};

}  // namespace orch

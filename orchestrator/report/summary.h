// The cell summary as reports show it: the display columns of one experiment's cells,
// with typed values (numbers stay numbers), shaped once here for every exporter.
#pragma once

#include <string>
#include <vector>

#include "common/value.h"

namespace orch {

struct SummaryColumn {
  std::string header;
  int decimals = 3;  // how many decimals a real is written with
};

struct Summary {
  std::vector<SummaryColumn> columns;
  std::vector<std::vector<Value>> rows;  // one value per column; monostate: nothing to show

  // Removes the column headed `header` when no row has a value in it.
  void drop_column_if_empty(const std::string& header);
};

// The end-of-run table from the cell_summary view's rows (ResultStore::cell_summary):
// cell number and label, ok runs, threads and CPUs in effect, the limits in effect,
// the phase and latency medians with the p50's interval, what the limits cost, whether
// the limits were in effect, failures and warnings. The GPU column appears only when a
// cell ran on a GPU.
Summary cell_summary_report(const std::vector<Columns>& cell_summary);

}  // namespace orch

// The cell summary as reports show it, shaped once here for every exporter: typed
// values (numbers stay numbers) under display headers for people (table, md, html),
// or under the cell_summary view's own column names for programs (csv, json).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/value.h"
#include "measure/relative_speed.h"
#include "store/rows.h"

namespace orch {

struct SummaryColumn {
  std::string header;
  int decimals = 3;  // how many decimals a real is written with at most (trailing zeros dropped)
};

struct Summary {
  std::vector<SummaryColumn> columns;
  std::vector<std::vector<Value>> rows;  // one value per column; monostate: nothing to show

  // Removes the column headed `header` when no row has a value in it.
  void drop_column_if_empty(const std::string& header);
  // Removes it when every row has the same value in it.
  void drop_column_if_one_value(const std::string& header);

 private:
  void drop_column_if(const std::string& header, bool one_value);
};

// For people, from the cell_summary view's rows (History::cell_summary): the
// cell's label, ok runs of measured, threads and CPUs in effect, p50 with its
// interval and the interval's confidence, p99, the total cold start, warnings; the
// GPU p50 only when a cell ran on a GPU. A p50 is rounded to the precision its
// interval supports, other figures to three significant digits. Fits 120 columns
// for labels of up to ~35 characters.
Summary reading_summary(const std::vector<CellSummaryRow>& cell_summary);

// For programs: the named cell_summary columns (empty: a default set with the p50's
// interval as two fields and its confidence; {"all"}: every column), headed by their
// names, numbers as numbers (a text column holding one number becomes that number).
// Throws UserError for a column cell_summary does not have.
Summary data_summary(const std::vector<CellSummaryRow>& cell_summary, const std::vector<std::string>& columns);

// How a value reads in a table for people: "-" for nothing, a real with `decimals`
// (trailing zeros dropped), anything else as its text.
std::string shown_text(const Value& value, int decimals);

// The warning codes in a summary's "warnings" column and the experiment's own
// (experiments.warnings: governor, load, drift), each with its meaning.
std::vector<std::pair<std::string, std::string>> warning_legend(const std::vector<CellSummaryRow>& cell_summary,
                                                                const std::string& experiment_warnings = "");

// "'pin2 t2' ran 1.81 ± 0.06 times faster than 'pin2 t16'", or "... are not
// distinguishable (ratio 1.02, 95% interval 0.97-1.08)".
std::string speed_line(const SpeedComparison& comparison);

}  // namespace orch

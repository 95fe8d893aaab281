// A cell's stored runs (rows of the results DB's runs table, as the store reads them
// back), as the cell's statistics, its attribution and runs: auto read them.
#pragma once

#include <optional>
#include <vector>

#include "common/value.h"
#include "measure/statistics.h"

namespace orch {

bool is_measured(const Columns& run);  // not a warm-up run
bool is_ok(const Columns& run);
// The measured runs that are ok, in their order.
std::vector<const Columns*> measured_ok_runs(const std::vector<Columns>& runs);
// Column `name` of `run` as a number; nullopt for NULL and text.
std::optional<double> number_in(const Columns& run, const char* name);

// The median of `value(run)` over the runs where it is known; nullopt where it is
// known for none.
template <typename Get>
std::optional<double> median_over(const std::vector<const Columns*>& runs, Get value) {
  std::vector<double> values;
  for (const Columns* run : runs)
    if (const std::optional<double> known = value(*run)) values.push_back(*known);
  if (values.empty()) return std::nullopt;
  return median(values);
}

}  // namespace orch

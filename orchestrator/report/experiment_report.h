// Reports assembled from the store: one experiment's (the end-of-run table, `report`)
// and the comparison of two (`compare`, `run --compare-to`). The exporters
// (exporters.h) then write them in any format.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "report/exporters.h"
#include "store/result_store.h"

namespace orch {

// "experiment 'quickstart' (id 3), 2026-12-01T02:00:00Z on lab1"
std::string experiment_title(const ExperimentRow& experiment);

// One experiment's report: its cells in the columns people read best (`people`, and
// no `columns`) or those asked for (cell_summary's names; {"all"}), the relative
// speed of its cells against `baseline` (a label; "": the fastest), the legend of its
// warnings, why cells were slow or noisy, and with `charts` what the HTML draws.
Report make_report(ResultStore& store, int64_t experiment_id, bool people, const std::vector<std::string>& columns,
                   const std::string& baseline, bool charts = false);

// Experiment `now` against `base`, cell by cell; changes smaller than `threshold` (a
// share) are no change, and a p50 change is judged against the `lookback` latest
// earlier nights of the same matrix name and host.
ComparisonReport compare_experiments(ResultStore& store, int64_t base, int64_t now, double threshold, int lookback);

}  // namespace orch

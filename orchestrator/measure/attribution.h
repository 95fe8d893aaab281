// Why a cell is slow or noisy, in one line, citing stored evidence only (issue 13):
// each phrase names the counter behind it, from the medians of the cell's measured ok
// runs. No counter past its threshold, no phrase: a cell may have none.
//
//   throttled 41% of its run time (quota 100% with 2 intra-op threads)
//   oversubscribed: 16 threads on 2 CPUs, 260k involuntary context switches per run
//   cold: 468 MiB read from storage, 326 major faults
//   interference: other processes used 0.6 CPU of its 2
//   memory: swap in use (2 of 3 runs)
#pragma once

#include <string>
#include <vector>

#include "common/value.h"
#include "measure/stored_run.h"

namespace orch {

// `cold`: a run read at least this much from storage, or took this many major faults
// (a warm run of a model already in the page cache reads nothing).
inline constexpr double kColdReadKib = 4096;
inline constexpr double kColdMajorFaults = 20;

// The phrases for a cell from its `runs` rows (the results DB's, in run order), in the
// order above; cell_statistics joins them with "; " into cell_summary.attribution.
std::vector<std::string> attribution(const std::vector<StoredRun>& runs);

}  // namespace orch

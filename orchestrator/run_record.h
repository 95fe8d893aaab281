// One finished run, as stored: how it ended (the first reason wins), what the
// supervisor measured from outside, and the worker's report when there is one.
#pragma once

#include <optional>
#include <string>

#include "statistics.h"
#include "supervisor.h"
#include "worker_report.h"

namespace orch {

// Stored as text in runs.status; the README documents each one.
enum class RunStatus {
  kOk,            // every phase completed and the report is complete
  kError,         // the worker reported a failure (e.g. the model would not load)
  kFailed,        // non-zero exit without a report
  kCrashed,       // ended by a signal it did not get from us
  kTimeout,       // exceeded timeout_s; its process group was killed
  kBadResult,     // the report was missing pieces, truncated or not JSON
  kLaunchFailed,  // the process could not be started
  kAborted,       // the orchestrator was interrupted during the run
};

std::string status_name(RunStatus status);

struct RunRecord {
  int cell_index = 0;
  int run_index = 0;  // 0-based within the cell; warm-up runs come first
  bool warmup = false;
  std::string started_at;    // UTC
  std::string command_line;  // as executed, quoted for a shell
  RunStatus status = RunStatus::kOk;
  std::string reason;  // empty when ok
  ProcessOutcome process;
  std::optional<WorkerReport> report;
  std::optional<LatencySummary> latency;
};

// Fills status, reason, report and latency from what the supervisor saw and the
// report file's text (nullopt when the worker wrote none).
void judge_run(RunRecord& record, const std::optional<std::string>& report_text);

}  // namespace orch

// One finished run, as stored: how it ended (the first reason wins), what the
// supervisor measured from outside, and the worker's report when there is one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/safe_files.h"
#include "launch/launcher.h"
#include "matrix/experiment.h"
#include "measure/interference.h"
#include "measure/statistics.h"
#include "process/supervisor.h"
#include "protocol/worker_report.h"

namespace orch {

// Stored as text in runs.status; the README documents each one.
enum class RunStatus {
  kOk,            // every phase completed and the report is complete
  kError,         // the worker reported a failure (e.g. the model would not load)
  kFailed,        // non-zero exit without a report
  kCrashed,       // ended by a signal it did not get from us
  kTimeout,       // exceeded timeout_s; its process group was killed
  kOom,           // the kernel's OOM killer ended it (the cell's memory limit)
  kBadResult,     // the report was missing pieces, truncated or not JSON
  kLaunchFailed,  // the process could not be started
  kAborted,       // the orchestrator was interrupted during the run
};

std::string status_name(RunStatus status);

struct RunRecord {
  int cell_index = 0;
  int run_index = 0;     // 0-based within the cell; warm-up runs come first
  int64_t sequence = 0;  // 1-based: when it executed within its experiment (run_order.h)
  bool warmup = false;
  std::string started_at;    // UTC
  std::string command_line;  // as executed, quoted for a shell
  RunStatus status = RunStatus::kOk;
  std::string reason;  // empty when ok
  ProcessOutcome process;
  RunEvidence evidence;
  std::optional<protocol::WorkerReport> report;
  std::vector<std::string> limit_mismatches;  // requested vs in effect, when they differ
  std::string cache_action;                   // what the cell's cache policy did before the run
  std::optional<double> model_resident_pct;   // page-cache residency just before the spawn
  std::optional<double> libtorch_resident_pct;
  std::vector<std::string> warnings;  // codes (warnings.h)
  // The worker ran on a CUDA device, so its report must carry CUDA event times.
  bool on_gpu = false;
  protocol::ReportExpectations expected;  // what its report must agree with
  // Other orchestrators measuring on this machine when the run began or ended.
  std::vector<std::string> concurrent_orchestrators;
  std::optional<LatencySummary> latency;         // over the host clock's samples
  std::optional<int64_t> outlier_iterations;     // of those samples (statistics.h: count_outliers)
  std::optional<LatencySummary> device_latency;  // over the CUDA event times, on a GPU
  // Spawn to the end of the first inference, on the spawn's clock; nullopt when the
  // worker did not time from the spawn (clock_origin worker_main) or never got there.
  std::optional<double> cold_start_ms;
  // What other work did on the run's CPUs while it ran (interference.h).
  std::optional<Interference> interference;
};

// The worker's resource usage: wait4's when the supervised child is the worker, else
// its own report's (docker's client is the child); nullptr when there is neither.
const protocol::ResourceUsage* worker_usage(const RunRecord& run);
// The CPU time the run's processes used: its cgroup's, else the worker's rusage; 0 unknown.
double run_cpu_ms(const RunRecord& run);

// A reason is one line of at most this many bytes, printable (text.h): a worker's
// 50 MB error does not become a 50 MB column or log line.
inline constexpr size_t kMaxReasonBytes = 500;

// Fills status, reason, report and latency from what the supervisor saw and the
// report file as it was read (scratch_dir.h): its text, or why it was not read. The
// report's texts and the worker's output are made printable (common/text.h).
void judge_run(RunRecord& record, const FileText& report_file);

// Compares what the cell asked for with what was in effect (affinity, cgroup quota,
// memory limit) and lists every difference: as the worker read it inside, and as the
// orchestrator read it from outside, from the cgroup it made for the run, for each
// limit that cgroup was made to enforce.
void verify_limits(const CellSettings& requested, RunRecord& record);

}  // namespace orch

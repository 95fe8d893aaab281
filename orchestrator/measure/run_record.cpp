// How a run ended (see run_record.h).
#include "measure/run_record.h"

#include <string.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "common/cpu_list.h"
#include "common/text.h"

namespace orch {
namespace {

// The last line of `text` that says something: tools like docker end their errors
// with a "See/Run '... --help'" line.
std::string last_line(const std::string& text) {
  std::istringstream lines(text);
  std::string line, last;
  while (std::getline(lines, line)) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    const bool help_hint =
        (line.rfind("See '", 0) == 0 || line.rfind("Run '", 0) == 0) && line.find("--help") != std::string::npos;
    if (!line.empty() && !help_hint) last = line;
  }
  return last;
}

constexpr long long kPageBytes = 4096;  // the kernel rounds memory limits to pages

std::string signal_text(int signal_number) {
  const char* name = sigabbrev_np(signal_number);
  return std::string("SIG") + (name ? name : std::to_string(signal_number));
}

// Every text a worker wrote, made printable (common/text.h): the DB keeps nothing
// that `sqlite3` would print as an escape sequence on a terminal.
void make_printable(protocol::WorkerReport& report) {
  for (std::string* text :
       {&report.error, &report.failed_phase, &report.runtime.torch.torch_version, &report.runtime.torch.device_name,
        &report.runtime.cgroup.path, &report.runtime.cgroup.cpus, &report.input.model, &report.input.device})
    *text = printable(*text);
  report.runtime.torch.parallel_info = printable_lines(report.runtime.torch.parallel_info);
  for (auto& library : report.runtime.blas_libraries) library = printable(library);
  std::map<std::string, std::string> thread_env;
  for (const auto& [name, value] : report.runtime.thread_env) thread_env[printable(name)] = printable(value);
  report.runtime.thread_env = std::move(thread_env);
}

}  // namespace

std::string status_name(RunStatus status) {
  static const std::vector<std::string> names = {"ok",  "error",      "failed",        "crashed", "timeout",
                                                 "oom", "bad_result", "launch_failed", "aborted"};  // in enum order
  return names.at(static_cast<size_t>(status));
}

void judge_run(RunRecord& record, const FileText& report_file) {
  const ProcessOutcome& process = record.process;
  auto set = [&](RunStatus status, const std::string& reason) {
    record.status = status;
    record.reason = first_line(reason, kMaxReasonBytes);
  };
  record.process.stdout_tail = printable_lines(record.process.stdout_tail);
  record.process.stderr_tail = printable_lines(record.process.stderr_tail);
  if (report_file.text) {
    try {
      record.report = protocol::parse_worker_report(*report_file.text, record.expected);
      make_printable(*record.report);
    } catch (const protocol::ProtocolError& e) {
      if (process.exit_code == 0) return set(RunStatus::kBadResult, std::string("bad report: ") + e.what());
    }
  } else if (!report_file.missing && process.exit_code == 0) {
    return set(RunStatus::kBadResult, "the report was not read: " + report_file.problem);
  }
  if (record.report && record.report->ok && !record.report->samples_ms.empty()) {
    record.latency = summarize(record.report->samples_ms);
    record.outlier_iterations = static_cast<int64_t>(count_outliers(record.report->samples_ms));
  }
  if (record.report && record.report->ok && !record.report->device_samples_ms.empty())
    record.device_latency = summarize(record.report->device_samples_ms);
  if (record.report && record.report->clock_origin == "spawn")
    for (const auto& phase : record.report->phases)
      if (phase.name == protocol::phase::kFirstInference) record.cold_start_ms = phase.start_ms + phase.duration_ms;

  if (process.interrupted_by != 0)
    return set(RunStatus::kAborted, "orchestrator received " + signal_text(process.interrupted_by));
  if (!process.launch_error.empty()) return set(RunStatus::kLaunchFailed, process.launch_error);
  if (process.timed_out) {
    std::ostringstream reason;
    reason << "still running after timeout_s = " << process.timeout_s << " s; its process group was killed";
    return set(RunStatus::kTimeout, reason.str());
  }
  if (record.evidence.oom_killed && process.exit_code != 0)
    return set(RunStatus::kOom, "killed by the kernel's OOM killer: the memory limit was reached");
  if (process.term_signal != 0) return set(RunStatus::kCrashed, "killed by " + signal_text(process.term_signal));
  if (record.report && !record.report->ok) {
    // LibTorch errors can run to a page of traceback: the reason keeps the first line,
    // the worker's stderr (stderr_tail) keeps all of it.
    const std::string& error = record.report->error;
    const bool more = error.find('\n') != std::string::npos || error.size() > kMaxReasonBytes;
    return set(RunStatus::kError, first_line(record.report->failed_phase, 64) + ": " +
                                      first_line(error, kMaxReasonBytes - 100) +
                                      (more ? " [more in stderr_tail]" : ""));
  }
  if (process.exit_code != 0) {
    std::string detail = last_line(process.stderr_tail);
    return set(RunStatus::kFailed,
               "exit code " + std::to_string(process.exit_code) + (detail.empty() ? "" : ": " + detail));
  }
  if (!report_file.text) return set(RunStatus::kBadResult, "exit code 0 but no report was written");
  // Host timestamps alone do not time a GPU (seed 004).
  if (record.on_gpu && !record.device_latency)
    return set(RunStatus::kBadResult,
               "ran on a GPU but reported host times only: no device_samples_ms (CUDA event times)");
  set(RunStatus::kOk, "");
}

const protocol::ResourceUsage* worker_usage(const RunRecord& run) {
  if (!run.process.launch_error.empty()) return nullptr;
  if (run.evidence.child_is_worker) return &run.process.usage;
  if (run.report && run.report->runtime.self_usage) return &*run.report->runtime.self_usage;
  return nullptr;
}

double run_cpu_ms(const RunRecord& run) {
  if (run.evidence.cgroup && run.evidence.cgroup->cpu_usage_ms) return *run.evidence.cgroup->cpu_usage_ms;
  const protocol::ResourceUsage* usage = worker_usage(run);
  return usage ? usage->user_cpu_ms + usage->sys_cpu_ms : 0;
}

void verify_limits(const CellSettings& requested, RunRecord& record) {
  auto& mismatches = record.limit_mismatches;
  // `where` says who read it: "" for the worker inside, " (read from outside)" for us.
  // A limit that reading does not cover is nullptr.
  auto compare = [&](const std::vector<int>* cpus, const std::optional<double>* quota,
                     const std::optional<int64_t>* memory, const std::string& where) {
    if (cpus && !requested.cpuset.empty() && *cpus != requested.cpuset)
      mismatches.push_back("cpuset: asked " + format_cpu_list(requested.cpuset) + ", worker could run on " +
                           format_cpu_list(*cpus) + where);
    if (quota && requested.cpu_quota_percent && (!*quota || std::abs(**quota - *requested.cpu_quota_percent) > 1.0))
      mismatches.push_back("cpu_quota: asked " + number_text(*requested.cpu_quota_percent) + "%, in effect " +
                           (*quota ? number_text(**quota) + "%" : std::string("none")) + where);
    if (memory && requested.memory_bytes && (!*memory || std::llabs(**memory - *requested.memory_bytes) > kPageBytes))
      mismatches.push_back("memory: asked " + std::to_string(*requested.memory_bytes) + " bytes, in effect " +
                           (*memory ? std::to_string(**memory) + " bytes" : std::string("unlimited")) + where);
  };
  if (record.report) {
    const protocol::WorkerRuntime& runtime = record.report->runtime;
    compare(&runtime.allowed_cpus, &runtime.cgroup.cpu_quota_percent, &runtime.cgroup.memory_limit_bytes, "");
  }
  if (const auto& outside = record.evidence.cgroup) {
    const CgroupLimits& made = record.evidence.cgroup_limits;
    const std::string list = outside->cpus.substr(0, outside->cpus.find_last_not_of(" \n") + 1);  // "0-1\n"
    const std::vector<int> cpus = list.empty() ? std::vector<int>{} : parse_cpu_list(list);
    compare(made.cpuset.empty() ? nullptr : &cpus, made.cpu_quota_percent ? &outside->cpu_quota_percent : nullptr,
            made.memory_bytes ? &outside->memory_limit_bytes : nullptr, " (read from outside)");
  }
}

}  // namespace orch

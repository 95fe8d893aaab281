// Events as log lines (see terminal_observer.h).
#include "cli/terminal_observer.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <sstream>

#include "common/text.h"
#include "protocol/worker_flags.h"

namespace orch {
namespace {

// "3m05s"
std::string minutes(double seconds) {
  const auto whole = static_cast<int64_t>(std::lround(seconds));
  return std::to_string(whole / 60) + "m" + (whole % 60 < 10 ? "0" : "") + std::to_string(whole % 60) + "s";
}

std::string seconds(double wait_s) { return std::to_string(static_cast<long long>(wait_s)) + " s"; }

std::string slurm_state(const std::string& state) { return state.empty() ? "?" : state; }

// "ok, p50 8.41 ms", "crashed: ...".
std::string outcome(const event::RunFinished& run) {
  if (run.status != RunStatus::kOk) return status_name(run.status) + ": " + run.reason;
  std::ostringstream text;
  text.precision(4);
  text << "ok, p50 " << run.p50_ms.value_or(0) << " ms";
  if (run.device_p50_ms) text << ", gpu p50 " << *run.device_p50_ms << " ms";
  if (run.interference) text << "; interference: " << describe_interference(*run.interference);
  return text.str();
}

struct Printer {
  void operator()(const event::Waiting& e) const {
    if (e.what == event::Waiting::For::kLock)
      spdlog::info("waiting up to {} for another orchestrator run to release {}", seconds(e.wait_s), e.whom);
    else
      spdlog::info("waiting up to {} for {} to finish measuring on this machine", seconds(e.wait_s), e.whom);
  }
  void operator()(const event::MeasuringBeside& e) const {
    spdlog::warn("measuring beside {} (--share-machine): every run that overlaps one is flagged 'concurrent'",
                 e.others);
  }
  void operator()(const event::LeftoversRecovered& e) const {
    if (e.processes_killed)
      spdlog::warn("killed {} process(es) that runs of an orchestrator that died had left running", e.processes_killed);
    if (e.sessions_removed)
      spdlog::warn("removed {} cgroup session(s) or container(s) left by an orchestrator that died",
                   e.sessions_removed);
    if (e.runs_aborted)
      spdlog::warn("{} run(s) were left 'running' by an orchestrator that died; stored as aborted", e.runs_aborted);
  }
  void operator()(const event::HostChecked& e) const {
    const HostState& host = e.host;
    spdlog::warn(
        "host: {} (governor {}, {:.1f} of {} CPUs busy just now, load average {}, swap used {} MiB); "
        "see README: Warnings",
        join_codes(e.warnings), host.governor.empty() ? "unknown (no cpufreq)" : host.governor, host.busy_cpus,
        host.online_cpus, host.load_average_1m, host.swap_used_bytes >> 20);
  }
  void operator()(const event::Resumed& e) const {
    if (e.slurm)
      spdlog::info("resuming experiment '{}' (id {}) on Slurm", e.name, e.experiment_id);
    else
      spdlog::info("resuming experiment '{}' (id {}): {} runs already stored", e.name, e.experiment_id, e.runs_stored);
  }
  void operator()(const event::NothingToResume& e) const {
    spdlog::info("no interrupted {}experiment of this matrix in the DB: starting a new one", e.slurm ? "Slurm " : "");
  }
  void operator()(const event::ExperimentStarted& e) const {
    spdlog::info("experiment '{}' (id {}): {}, {} to go, order {}{}", e.name, e.experiment_id, count(e.cells, "cell"),
                 count(e.runs_to_go, "run"), run_order_name(e.order),
                 e.order == RunOrder::kRandom ? " (seed " + std::to_string(e.order_seed) + ")" : "");
  }
  void operator()(const event::ColdStartFilesListed& e) const {
    spdlog::info("cache evict: {} files decide the cold start of {}, from {}", e.files, printable(e.program), e.source);
  }
  void operator()(const event::RunStarted&) const {}  // the finished run says it all
  void operator()(const event::RunFinished& e) const {
    spdlog::info("cell {}/{} [{}] run {}/{}{}: {} (ETA {})", e.at.cell_index + 1, e.at.cells, e.at.label,
                 e.at.run_index + 1, e.at.runs, e.at.warmup ? " (warm-up)" : "", outcome(e),
                 e.eta_s ? minutes(*e.eta_s) : "?");
  }
  void operator()(const event::CellStopped& e) const {
    spdlog::info("cell {} [{}] stops: {} after {} measured runs, p50 {}", e.cell_index + 1, e.label, e.reason,
                 e.measured_runs,
                 e.precision ? "within +-" + format_number(*e.precision * 100, 2) + "%" : "short of a 95% interval");
  }
  void operator()(const event::CalibrationFailed& e) const {
    spdlog::warn("the calibration kernel ({} {}) failed or answered '{}': no calibration this time", e.program,
                 protocol::flag::kCalibrate, e.answer);
  }
  void operator()(const event::DriftMeasured& e) const {
    if (e.warn)
      spdlog::warn("drift: {}: the machine's speed changed while the cells ran (README: Statistics)",
                   describe_drift(e.drift));
    else
      spdlog::info("calibration: {}", describe_drift(e.drift));
  }
  void operator()(const event::RunsSaved& e) const {
    const FixedPlanComparison& comparison = e.comparison;
    const double fixed_s = comparison.machine_s + comparison.saved_s;
    spdlog::info(
        "runs: auto: {} measured runs where a fixed plan needs {} (runs: {} in every cell, as many as the cell that "
        "needed the most) for the same precision: {} of machine time saved, {}% of the fixed plan's {}",
        comparison.runs, comparison.fixed_plan_runs, comparison.fixed_runs, minutes(comparison.saved_s),
        format_number(fixed_s > 0 ? 100 * comparison.saved_s / fixed_s : 0, 0), minutes(fixed_s));
  }
  void operator()(const event::ScratchLeft& e) const {
    spdlog::warn("could not remove the scratch folder {} entirely; the next run tries again", e.path);
  }
  void operator()(const event::SlurmStarted& e) const {
    spdlog::info(
        "experiment '{}' (id {}): {} on Slurm partition '{}' ({} nodes, {} idle), split by {}; job files in {}", e.name,
        e.experiment_id, count(e.jobs, "job"), e.partition, e.nodes, e.idle_nodes, e.split, e.folder);
  }
  void operator()(const event::SlurmJobSubmitted& e) const {
    spdlog::info("Slurm job {}: {} of {}{}", e.job_id, count(e.runs, "run"), count(e.cells, "cell"),
                 e.replica ? " (replica " + std::to_string(*e.replica + 1) + ")" : "");
  }
  void operator()(const event::SlurmJobRefused& e) const {
    spdlog::error("{}; its {} are stored as slurm_not_submitted", e.error, count(e.runs, "run"));
  }
  void operator()(const event::SlurmJobsCancelled& e) const {
    spdlog::warn("cancelled Slurm job(s) {}", join_numbers(e.job_ids, " "));
  }
  void operator()(const event::SlurmJobCollected& e) const {
    if (e.unfinished > 0)
      spdlog::warn("Slurm job {}: {} ingested, {} not finished: {}", e.job_id,
                   count(static_cast<size_t>(e.ingested), "run"), e.unfinished, e.reason);
    else
      spdlog::info("Slurm job {} ({}): {} ingested", e.job_id, slurm_state(e.state),
                   count(static_cast<size_t>(e.ingested), "run"));
  }
  void operator()(const event::SlurmQueueSilent& e) const {
    spdlog::warn("squeue does not answer; asking again every {} s", e.poll_s);
  }
  void operator()(const event::SlurmSubmitterCollects& e) const {
    spdlog::info("experiment {}: a submitting orchestrator runs it, and collects its jobs", e.experiment_id);
  }
};

}  // namespace

void TerminalObserver::on(const Event& event) { std::visit(Printer{}, event); }

}  // namespace orch

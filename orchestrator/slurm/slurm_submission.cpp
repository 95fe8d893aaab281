// Submitting, waiting for and collecting an experiment's Slurm jobs (see slurm_submission.h).
#include "slurm/slurm_submission.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

#include "common/error.h"
#include "common/safe_files.h"
#include "common/text.h"
#include "launch/launcher.h"
#include "matrix/matrix.h"
#include "process/interrupt.h"
#include "process/supervisor.h"
#include "slurm/slurm_cluster.h"

namespace orch {
namespace {

namespace fs = std::filesystem;

constexpr double kPollSeconds = 2;  // between two looks at the queue

// The job's name in Slurm, unique to it: orch-<its folder>-share-K. Every answer
// about a job id is checked against it.
std::string job_name(const std::string& job_db) {
  const fs::path path(job_db);
  return "orch-" + path.parent_path().filename().string() + "-" + path.stem().string();
}

// A job's row, with its name in Slurm (job_name).
struct JobRow : SlurmJobRow {
  explicit JobRow(const SlurmJobRow& row) : SlurmJobRow(row), name(job_name(row.job_db)) {}
  std::string name;
};

// "slurm_cancelled" for CANCELLED: the status of the runs a job did not finish.
std::string unfinished_status(const std::string& state) {
  std::string status = "slurm_";
  for (char c : state) status += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return state.empty() ? "slurm_unknown" : status;
}

// The last line of a job's output that says why it stopped: an orchestrator error
// if there is one, else its last line. The file is the job's: read as untrusted.
std::string output_ending(const std::string& path) {
  const Fd file = open_regular_for_reading(path);
  if (!file) return {};
  struct stat info {};
  if (::fstat(file.get(), &info) != 0) return {};
  constexpr off_t kTail = 4096;
  std::string tail(static_cast<size_t>(std::min<off_t>(kTail, info.st_size)), '\0');
  const ssize_t got = ::pread(file.get(), tail.data(), tail.size(), std::max<off_t>(0, info.st_size - kTail));
  if (got <= 0) return {};
  tail.resize(static_cast<size_t>(got));
  std::string last, error;
  for (const auto& line : split(tail, '\n')) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    last = line;
    if (line.find("error:") != std::string::npos || line.find("slurmstepd") != std::string::npos) error = line;
  }
  return first_line(printable(error.empty() ? last : error), 300);
}

// The main experiment again, from its stored matrix, for collect (which has no
// matrix file), with the number of the matrix's own cells.
std::pair<Experiment, size_t> stored_experiment(ResultStore& store, int64_t experiment_id,
                                                const std::string& default_worker) {
  const ExperimentRow row = store.experiments().experiment(experiment_id);
  SystemInfo anything;  // validated at submission; not against this machine again
  for (int cpu = 0; cpu < 4096; ++cpu) anything.online_cpus.push_back(cpu);
  anything.allowed_cpus = anything.online_cpus;
  MatrixOptions options;
  options.max_cells = 1000000;  // the matrix was run; --max-cells was its submitter's to check
  const Experiment matrix = parse_experiment(store.experiments().matrix_text(experiment_id), row.matrix_path, anything,
                                             default_worker, options);
  const std::string& split = row.slurm_split;
  const size_t cells = store.experiments().experiment_ids(experiment_id).cell_ids.size();
  const int copies = split == "replicas" ? static_cast<int>(cells / std::max<size_t>(1, matrix.cells.size())) : 1;
  return {slurm_experiment(matrix, split, copies), matrix.cells.size()};
}

// A new folder for the jobs of one submission: <folder>/experiment-<id>-XXXXXX, this
// user's only, so that no file of an earlier experiment (a DB deleted, its folder
// kept) is taken for one of these jobs'. The path is walked as safe_files.h says.
std::string jobs_folder(const std::string& folder, int64_t experiment_id) {
  const std::string top = fs::absolute(folder).lexically_normal().string();
  if (top.find('%') != std::string::npos)
    throw UserError("the Slurm jobs' folder " + printable(top) + " has a '%', which sbatch reads as a pattern",
                    "give another one with --slurm-folder");
  if (::mkdir(top.c_str(), 0700) != 0 && errno != EEXIST)
    throw UserError("cannot make the Slurm jobs' folder " + printable(top) + ": " + std::strerror(errno),
                    "give a folder every node can reach with --slurm-folder");
  const Fd parent = open_folder(top, "the Slurm jobs' folder");
  struct stat info {};
  if (::fstat(parent.get(), &info) != 0 || info.st_uid != ::geteuid() || (info.st_mode & 022) != 0)
    throw UserError(
        "the Slurm jobs' folder " + printable(top) + " must be a folder of this user's that no one else may write",
        "chmod go-w it, or give another one with --slurm-folder");
  return top + "/" + make_unique_folder(parent.get(), "experiment-" + std::to_string(experiment_id) + "-", 0700);
}

// The id of a job that ran (it left its DB) but whose id no one heard: collected
// with an unknown end.
constexpr int64_t kUnknownJobId = 0;

// sbatch's arguments are single strings: a share longer than this is refused.
constexpr size_t kMaxShareText = 100000;

// One experiment's jobs, from the store: submitting, watching, collecting.
class SlurmJobs {
 public:
  SlurmJobs(ResultStore& store, const SlurmCluster& cluster, const Experiment& experiment, size_t matrix_cells,
            int64_t experiment_id, Observer& observer)
      : store_(store),
        cluster_(cluster),
        observer_(observer),
        experiment_(experiment),
        matrix_cells_(matrix_cells),
        ids_(store.experiments().experiment_ids(experiment_id)) {}

  int64_t experiment_id() const { return ids_.experiment_id; }

  // The jobs not collected yet; a row whose sbatch never answered is collected now,
  // its runs left to --resume.
  std::vector<JobRow> uncollected() {
    std::vector<JobRow> jobs;
    for (const auto& row : store_.slurm().slurm_jobs(ids_.experiment_id)) {
      JobRow job(row);
      if (job.collected) continue;
      // Stored, but the submitter died before it heard sbatch's answer (never while
      // one runs the experiment): the queue may know the job by its name, and a job
      // that has left it left its DB. With neither, it was never submitted.
      if (!job.job_id) {
        job.job_id = cluster_.find(job.name);
        if (job.job_id) {
          store_.slurm().set_slurm_job_id(job.id, *job.job_id);
        } else if (fs::exists(job.job_db)) {
          job.job_id = kUnknownJobId;
        } else {
          store_.slurm().finish_slurm_job(job.id, {{"state", std::string("NOT_SUBMITTED")}}, 0);
          continue;
        }
      }
      jobs.push_back(job);
    }
    return jobs;
  }

  // The cells of the matrix (main indices) that uncollected jobs have.
  std::set<int> busy_cells() {
    std::set<int> cells;
    for (const auto& job : uncollected())
      for (const auto& [cell, runs] : parse_share(job.share, experiment_).runs)
        cells.insert(main_index(job.replica, cell));
    return cells;
  }

  std::set<int> stopped_cells() {
    std::set<int> cells;
    for (const auto& row : store_.history().cell_summary(ids_.experiment_id))
      if (!row.stop_reason.empty()) cells.insert(row.cell_index);
    return cells;
  }

  // Submits the jobs of `plan`. Each is stored before sbatch is asked. A job sbatch
  // refuses leaves its runs missing, stored as slurm_not_submitted with sbatch's
  // error, and the others go on.
  void submit(const std::vector<PlannedJob>& plan, const std::string& folder, const JobCommand& command,
              const SlurmOptions& options) {
    for (const auto& planned : plan) {
      const std::string share = format_share(planned.share);
      if (share.size() > kMaxShareText)
        throw UserError("a Slurm job's share of " + count(planned.share.runs.size(), "cell") +
                            " is too long for sbatch's command line",
                        "raise --max-jobs, so that each job has fewer cells");
      // share-K: the K-th job of this submission's folder (one submitter at a time:
      // resume is exclusive, and the folder is new).
      const std::string base = folder + "/share-" + std::to_string(++submitted_);
      const int64_t row = store_.slurm().add_slurm_job(ids_.experiment_id, planned.replica, share, base + ".db");
      const std::string name = job_name(base + ".db");
      std::vector<std::string> argv = {command.orchestrator, "run", experiment_.matrix_path, "--db", base + ".db",
                                       "--slurm-share",      share};
      argv.insert(argv.end(), command.run_options.begin(), command.run_options.end());
      write_own_file(
          base + ".sh",
          "#!/bin/sh\n# " + name + ": a share of experiment " + std::to_string(ids_.experiment_id) +
              ", written by `orchestrator run --slurm`; its runs, as cell:runs, after --slurm-share.\nexec " +
              quote_command(argv) + "\n",
          0700, "a Slurm job's script");
      std::vector<std::string> args = {
          "--exclusive",      "--nodes=1", "--no-requeue", "--job-name=" + name, "--output=" + base + ".out",
          "--chdir=" + folder};
      if (!options.partition.empty()) args.push_back("--partition=" + options.partition);
      args.insert(args.end(), options.sbatch_args.begin(), options.sbatch_args.end());
      try {
        const int64_t job_id = cluster_.submit(args, base + ".sh");
        store_.slurm().set_slurm_job_id(row, job_id);
        observer_.on(
            event::SlurmJobSubmitted{job_id, planned.share.size(), planned.share.runs.size(), planned.replica});
      } catch (const UserError& e) {
        observer_.on(event::SlurmJobRefused{e.what(), planned.share.size()});
        store_.slurm().finish_slurm_job(row, {{"state", std::string("NOT_SUBMITTED")}}, 0);
        record_unfinished(planned.replica, planned.share, "slurm_not_submitted", e.what(), 0);
      }
    }
  }

  // Collects every uncollected job that has ended. Returns the number still active,
  // or nullopt when squeue did not answer.
  std::optional<size_t> collect_ended() {
    const auto jobs = uncollected();
    std::vector<int64_t> ids;
    for (const auto& job : jobs)
      if (*job.job_id != kUnknownJobId) ids.push_back(*job.job_id);
    const auto queued = cluster_.queue(ids);
    if (!queued) return std::nullopt;
    size_t active = 0;
    for (const auto& job : jobs) {
      auto listed = queued->find(*job.job_id);
      if (listed != queued->end() && listed->second.name != job.name) listed = queued->end();  // not ours
      if (listed != queued->end() && !is_final_job_state(listed->second.state)) {
        ++active;
        continue;
      }
      auto end = *job.job_id == kUnknownJobId ? std::nullopt : cluster_.job_end(*job.job_id, job.name);
      if (!end && listed != queued->end()) {
        ++active;  // listed as ended, but not yet settled
        continue;
      }
      collect(job, end.value_or(JobEnd{"", "", "", "none"}));
    }
    return active;
  }

  void cancel_active() {
    std::vector<int64_t> ids;
    for (const auto& job : uncollected()) {
      if (*job.job_id == kUnknownJobId) continue;
      cluster_.cancel(*job.job_id, job.name);
      ids.push_back(*job.job_id);
    }
    if (!ids.empty()) observer_.on(event::SlurmJobsCancelled{ids});
  }

  // Whether every job collected by this object was cancelled (a scancel of the whole
  // experiment), and whether any of its runs is still missing.
  bool all_cancelled() const { return collected_ > 0 && cancelled_ == collected_; }
  bool runs_missing() {
    const auto stored = store_.experiments().stored_run_indices(ids_.experiment_id);
    return !plan_jobs(experiment_, matrix_cells_, stored, {}, stopped_cells(), 1).empty();
  }

  ExperimentOutcome outcome() {
    ExperimentOutcome outcome;
    outcome.experiment_id = ids_.experiment_id;
    for (const auto& row : store_.history().cell_summary(ids_.experiment_id)) {
      outcome.runs_total += row.runs;
      outcome.runs_ok += row.runs_ok;
    }
    return outcome;
  }

 private:
  int main_index(std::optional<int> replica, int cell) const {
    return replica ? *replica * static_cast<int>(matrix_cells_) + cell : cell;
  }

  // Stores the runs of `share` not stored yet (cells runs: auto stopped aside) with
  // `status` and `reason`; returns how many.
  int64_t record_unfinished(std::optional<int> replica, const RunShare& share, const std::string& status,
                            const std::string& reason, int64_t job_id) {
    const auto stored = store_.experiments().stored_run_indices(ids_.experiment_id);
    const auto stopped = stopped_cells();
    int64_t unfinished = 0;
    for (const auto& [cell, runs] : share.runs) {
      const int main = main_index(replica, cell);
      if (stopped.count(main)) continue;
      const Cell& main_cell = experiment_.cells.at(static_cast<size_t>(main));
      for (const int run_index : runs) {
        if (stored.count({main, run_index})) continue;
        store_.slurm().record_unfinished_run(ids_.cell_ids.at(static_cast<size_t>(main)), run_index,
                                             run_index < warmup_runs_of(experiment_, main_cell), status, reason,
                                             job_id);
        ++unfinished;
      }
    }
    return unfinished;
  }

  // Ingests the job's DB, then stores the runs it was given and did not finish with
  // Slurm's state and reason.
  void collect(const JobRow& job, const JobEnd& end) {
    const RunShare share = parse_share(job.share, experiment_);
    int64_t ingested = 0;
    std::string problem;
    std::string node = end.node;
    try {
      if (!fs::exists(job.job_db)) throw UserError("it wrote no results DB");
      AttachedJobDb db(store_.slurm(), job.job_db);
      const auto experiments = db.experiments();
      if (experiments.size() != 1)
        throw UserError("its DB holds " + count(experiments.size(), "experiment") + ", not the one it was given");
      const ExperimentRow& run_experiment = experiments.front();
      if (run_experiment.matrix_hash != experiment_.matrix_hash)
        throw UserError("its DB holds another matrix (the file changed after submission): not ingested");
      node = run_experiment.hostname;
      // The node's host warnings (load, governor, swap) and drift, as its job saw them.
      store_.experiments().add_experiment_context(ids_.experiment_id, run_experiment.warnings,
                                                  run_experiment.drift_share);
      const int64_t host = store_.slurm().host_id(run_experiment);
      for (const auto& run : db.ended_runs(run_experiment.id)) {
        throw_if_stopped("ingesting Slurm job " + std::to_string(*job.job_id) + "'s runs");
        if (!share.has(run.cell_index, run.run_index)) continue;  // not its to measure
        const int64_t cell_id = ids_.cell_ids.at(static_cast<size_t>(main_index(job.replica, run.cell_index)));
        if (db.ingest_run(run.id, cell_id, host, *job.job_id)) ++ingested;
        if (!run.stop_reason.empty()) store_.experiments().stop_cell(cell_id, run.stop_reason);
      }
    } catch (const UserError& e) {
      // A stop signal ends the ingest, not the job: it is left uncollected, the runs
      // ingested so far kept (each was one transaction), and the next collect goes on
      // where this one stopped (ingest_run never stores a run twice).
      if (e.exit_code() == kExitInterrupted) throw;
      problem = e.what();
    }
    const std::string which =
        *job.job_id == kUnknownJobId ? job.name + " (its id was never heard)" : std::to_string(*job.job_id);
    std::string reason =
        "Slurm job " + which + (node.empty() ? "" : " on " + node) + ": " +
        (end.state.empty()
             ? "no longer known to Slurm, which kept no record of its end"
             : end.state + ", exit code " + (end.exit_code.empty() ? "?" : end.exit_code) + " (" + end.source + ")");
    if (const std::string ending = output_ending(fs::path(job.job_db).replace_extension(".out").string());
        !ending.empty())
      reason += "; its output ends: " + ending;
    if (!problem.empty()) reason += "; " + problem;
    const int64_t unfinished = record_unfinished(
        job.replica, share, unfinished_status(end.state == "COMPLETED" ? "FAILED" : end.state), reason, *job.job_id);
    Columns row = {{"state", end.state.empty() ? std::string("UNKNOWN") : end.state},
                   {"exit_code", end.exit_code},
                   {"state_source", end.source},
                   {"node", node}};
    store_.slurm().finish_slurm_job(job.id, row, ingested);
    ++collected_;
    if (end.state == "CANCELLED") ++cancelled_;
    observer_.on(event::SlurmJobCollected{*job.job_id, end.state, ingested, unfinished, reason});
  }

  ResultStore& store_;
  const SlurmCluster& cluster_;
  Observer& observer_;
  const Experiment& experiment_;
  size_t matrix_cells_;
  ResultStore::ExperimentIds ids_;
  int collected_ = 0, cancelled_ = 0;
  size_t submitted_ = 0;
};

// Waits for the experiment's jobs, collecting each as it ends. Returns false when a
// stop signal came first; with `cancel_on_stop` (the submitter's own wait, not
// collect's) the active jobs are then cancelled, and left to collect.
bool wait_for_jobs(SlurmJobs& jobs, bool cancel_on_stop, Observer& observer) {
  bool warned = false;
  for (;;) {
    if (stop_signal() != 0) {
      if (cancel_on_stop) jobs.cancel_active();
      return false;
    }
    std::optional<size_t> active;
    try {
      active = jobs.collect_ended();
    } catch (const UserError& e) {
      if (e.exit_code() != kExitInterrupted) throw;
      continue;  // a stop signal during an ingest: handled at the top, as any other
    }
    if (active && *active == 0) return true;
    if (!active && !warned) {
      observer.on(event::SlurmQueueSilent{kPollSeconds});
      warned = true;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(kPollSeconds));
  }
}

// After the last job: finished when nothing is missing, else interrupted for --resume.
ExperimentOutcome finish(ResultStore& store, SlurmJobs& jobs, bool stopped) {
  ExperimentOutcome outcome = jobs.outcome();
  outcome.interrupted = stopped || jobs.all_cancelled();
  const bool missing = stopped || jobs.runs_missing();
  store.experiments().finish_experiment(jobs.experiment_id(), missing ? "interrupted" : "finished");
  return outcome;
}

}  // namespace

std::vector<PlannedJob> plan_jobs(const Experiment& experiment, size_t matrix_cells,
                                  const std::set<std::pair<int, int>>& stored, const std::set<int>& busy,
                                  const std::set<int>& stopped, int max_jobs) {
  std::map<int, PlannedJob> by_key;  // replica, or the job's turn in the round
  int next = 0;
  const bool replicas = experiment.slurm_split == "replicas";
  for (const auto& cell : experiment.cells) {
    if (busy.count(cell.index) || stopped.count(cell.index)) continue;
    const int warmups = warmup_runs_of(experiment, cell), runs = runs_of(experiment, cell);
    std::vector<int> todo;
    for (int run = warmups; run < runs; ++run)
      if (!stored.count({cell.index, run})) todo.push_back(run);
    if (todo.empty()) continue;
    for (int run = warmups - 1; run >= 0; --run) todo.insert(todo.begin(), run);
    const int matrix_index = cell.index % static_cast<int>(matrix_cells);
    const int key = replicas ? cell.replica.value_or(0) : next++ % std::max(1, max_jobs);
    PlannedJob& job = by_key[key];
    if (replicas) job.replica = cell.replica;
    job.share.runs[matrix_index] = todo;
  }
  std::vector<PlannedJob> plan;
  for (auto& [key, job] : by_key) plan.push_back(std::move(job));
  return plan;
}

Experiment slurm_experiment(const Experiment& matrix, const std::string& split, int copies) {
  Experiment experiment = matrix;
  experiment.slurm_split = split;
  if (split != "replicas") return experiment;
  experiment.cells.clear();
  for (int copy = 0; copy < copies; ++copy)
    for (Cell cell : matrix.cells) {
      cell.index += copy * static_cast<int>(matrix.cells.size());
      cell.replica = copy;
      cell.label += " [replica " + std::to_string(copy + 1) + "]";
      experiment.cells.push_back(std::move(cell));
    }
  return experiment;
}

ExperimentOutcome run_on_slurm(const Experiment& matrix, const SlurmPartition& partition, ResultStore& store,
                               const std::string& db_path, const JobCommand& command, const SlurmOptions& options,
                               bool resume, Observer& observer) {
  const SlurmCluster cluster;
  const int max_jobs = options.max_jobs > 0 ? options.max_jobs : static_cast<int>(partition.nodes.size());
  Experiment experiment = slurm_experiment(matrix, options.split, max_jobs);
  std::optional<ResultStore::Resumption> resumed;
  // Replicas: the experiment is found by its matrix, then has as many copies as it
  // was begun with, whatever --max-jobs says now.
  if (resume)
    resumed = store.experiments().resume(slurm_experiment(matrix, options.split, 1), OrchestratorIdentity::self());
  int64_t experiment_id = 0;
  if (resumed) {
    experiment_id = resumed->ids.experiment_id;
    experiment =
        slurm_experiment(matrix, options.split, static_cast<int>(resumed->ids.cell_ids.size() / matrix.cells.size()));
    observer.on(event::Resumed{experiment.name, experiment_id, 0, true});
  } else {
    if (resume) observer.on(event::NothingToResume{true});
    const SystemInfo system = collect_system_info();
    const Launchers launchers;
    experiment_id = store.experiments()
                        .begin_experiment(experiment, system, launchers.quoted_commands(experiment),
                                          HostContext{"", "", 0, OrchestratorIdentity::self()})
                        .experiment_id;
  }
  SlurmJobs jobs(store, cluster, experiment, matrix.cells.size(), experiment_id, observer);
  jobs.collect_ended();  // a resumed experiment's jobs that ended while no one watched
  const std::string folder =
      jobs_folder(options.job_folder.empty() ? db_path + ".slurm" : options.job_folder, experiment_id);
  const auto plan = plan_jobs(experiment, matrix.cells.size(), store.experiments().stored_run_indices(experiment_id),
                              jobs.busy_cells(), jobs.stopped_cells(), max_jobs);
  observer.on(event::SlurmStarted{experiment.name, experiment_id, plan.size(), partition.name, partition.nodes.size(),
                                  static_cast<size_t>(partition.idle_nodes()), options.split, folder});
  jobs.submit(plan, folder, command, options);
  if (options.detach && !jobs.uncollected().empty()) {
    store.experiments().set_experiment_status(experiment_id, "submitted");
    ExperimentOutcome outcome = jobs.outcome();
    outcome.detached = true;
    return outcome;
  }
  const bool done = wait_for_jobs(jobs, true, observer);
  return finish(store, jobs, !done);
}

std::vector<ExperimentOutcome> collect_from_slurm(ResultStore& store, int64_t experiment_id, bool wait,
                                                  const std::string& default_worker, Observer& observer) {
  const SlurmCluster cluster;
  std::vector<ExperimentOutcome> outcomes;
  const std::vector<int64_t> ids =
      experiment_id > 0 ? std::vector<int64_t>{experiment_id} : store.slurm().experiments_with_uncollected_jobs();
  for (const int64_t id : ids) {
    // A submitter runs it (its own host's repair found it alive, or it runs on
    // another host): it collects, and no one else.
    if (store.experiments().experiment(id).status == "running") {
      observer.on(event::SlurmSubmitterCollects{id});
      continue;
    }
    const auto [experiment, matrix_cells] = stored_experiment(store, id, default_worker);
    SlurmJobs jobs(store, cluster, experiment, matrix_cells, id, observer);
    std::optional<size_t> active;
    bool stopped = false;
    if (wait) {
      stopped = !wait_for_jobs(jobs, false, observer);
      if (!stopped) active = 0;
    } else {  // a stop signal during an ingest ends collect here, as a UserError
      active = jobs.collect_ended();
    }
    ExperimentOutcome outcome;
    if (active && *active == 0) {
      outcome = finish(store, jobs, false);
    } else {
      outcome = jobs.outcome();
      outcome.detached = true;  // jobs still out
      outcome.interrupted = stopped;
    }
    outcomes.push_back(outcome);
    if (stopped) break;
  }
  return outcomes;
}

}  // namespace orch

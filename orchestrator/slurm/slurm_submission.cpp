// Submitting, waiting for and collecting an experiment's Slurm jobs (see slurm_submission.h).
#include "slurm/slurm_submission.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
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
#include "measure/cell_statistics.h"
#include "run/interrupt.h"
#include "run/supervisor.h"

namespace orch {
namespace {

namespace fs = std::filesystem;

constexpr double kPollSeconds = 2;  // between two looks at the queue

std::optional<int64_t> integer_of(const Value& value) {
  if (const auto* integer = std::get_if<int64_t>(&value)) return *integer;
  return std::nullopt;
}

// A job's row, as slurm_jobs holds it.
struct JobRow {
  int64_t row_id = 0;
  std::optional<int64_t> job_id;
  std::optional<int> replica;
  std::string share;
  std::string job_db;
  bool collected = false;
};

JobRow job_row(const Columns& row) {
  JobRow job;
  job.row_id = integer_of(value_of(row, "id")).value_or(0);
  job.job_id = integer_of(value_of(row, "job_id"));
  if (const auto replica = integer_of(value_of(row, "replica"))) job.replica = static_cast<int>(*replica);
  job.share = text_of(value_of(row, "share"));
  job.job_db = text_of(value_of(row, "job_db"));
  job.collected = !std::holds_alternative<std::monostate>(value_of(row, "collected_at"));
  return job;
}

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
  const Columns row = store.experiment(experiment_id);
  SystemInfo anything;  // validated at submission; not against this machine again
  for (int cpu = 0; cpu < 4096; ++cpu) anything.online_cpus.push_back(cpu);
  anything.allowed_cpus = anything.online_cpus;
  const Experiment matrix = parse_experiment(store.matrix_text(experiment_id), text_of(value_of(row, "matrix_path")),
                                             anything, default_worker);
  const std::string split = text_of(value_of(row, "slurm_split"));
  const size_t cells = store.experiment_ids(experiment_id).cell_ids.size();
  const int copies = split == "replicas" ? static_cast<int>(cells / std::max<size_t>(1, matrix.cells.size())) : 1;
  return {slurm_experiment(matrix, split, copies), matrix.cells.size()};
}

// The experiment's jobs folder: <folder>/experiment-<id>, made for this user only.
std::string jobs_folder(const std::string& folder, int64_t experiment_id) {
  const fs::path path = fs::absolute(folder) / ("experiment-" + std::to_string(experiment_id));
  for (const fs::path& each : {path.parent_path(), path}) {
    if (::mkdir(each.c_str(), 0700) != 0 && errno != EEXIST)
      throw UserError("cannot make the Slurm jobs' folder " + printable(each.string()) + ": " + std::strerror(errno),
                      "give a folder every node can reach with --slurm-folder");
    struct stat info {};
    if (::lstat(each.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != ::geteuid() ||
        (info.st_mode & 022) != 0)
      throw UserError("the Slurm jobs' folder " + printable(each.string()) +
                          " must be a folder of this user's that no one else may write",
                      "give another one with --slurm-folder");
  }
  return path.string();
}

void write_script(const std::string& path, const std::string& text) {
  const Fd file =
      open_own_file(open_path(path, "a Slurm job's script"), O_WRONLY | O_TRUNC, 0700, true, "a Slurm job's script");
  for (size_t done = 0; done < text.size();) {
    const ssize_t written = ::write(file.get(), text.data() + done, text.size() - done);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) throw UserError("cannot write " + printable(path) + ": " + std::strerror(errno));
    done += static_cast<size_t>(written);
  }
}

// One experiment's jobs, from the store: submitting, watching, collecting.
class SlurmJobs {
 public:
  SlurmJobs(ResultStore& store, const SlurmCluster& cluster, const Experiment& experiment, size_t matrix_cells,
            int64_t experiment_id)
      : store_(store),
        cluster_(cluster),
        experiment_(experiment),
        matrix_cells_(matrix_cells),
        ids_(store.experiment_ids(experiment_id)) {}

  int64_t experiment_id() const { return ids_.experiment_id; }

  // The jobs not collected yet; a row whose sbatch never answered is collected now,
  // its runs left to --resume.
  std::vector<JobRow> uncollected() {
    std::vector<JobRow> jobs;
    for (const auto& row : store_.slurm_jobs(ids_.experiment_id)) {
      JobRow job = job_row(row);
      if (job.collected) continue;
      if (!job.job_id) {
        store_.finish_slurm_job(job.row_id, {{"state", std::string("NOT_SUBMITTED")}}, 0);
        continue;
      }
      jobs.push_back(job);
    }
    return jobs;
  }

  // The cells of the matrix (main indices) that uncollected jobs have.
  std::set<int> busy_cells() {
    std::set<int> cells;
    for (const auto& job : uncollected())
      for (const auto& [cell, runs] : parse_share(job.share, experiment_).runs) cells.insert(main_index(job, cell));
    return cells;
  }

  std::set<int> stopped_cells() {
    std::set<int> cells;
    for (const auto& row : store_.cell_summary(ids_.experiment_id))
      if (!text_of(value_of(row, "stop_reason")).empty())
        cells.insert(static_cast<int>(integer_of(value_of(row, "cell_index")).value_or(-1)));
    return cells;
  }

  // Submits the jobs of `plan`. Each is stored before sbatch is asked.
  void submit(const std::vector<PlannedJob>& plan, const std::string& folder, const JobCommand& command,
              const SlurmOptions& options) {
    for (const auto& planned : plan) {
      const std::string share = format_share(planned.share);
      // share-K: the experiment's K-th job (one submitter at a time: resume is exclusive)
      const std::string base = folder + "/share-" + std::to_string(store_.slurm_jobs(ids_.experiment_id).size() + 1);
      const int64_t row = store_.add_slurm_job(ids_.experiment_id, planned.replica, share, base + ".db");
      std::vector<std::string> argv = {command.orchestrator, "run", experiment_.matrix_path, "--db", base + ".db",
                                       "--slurm-share",      share};
      argv.insert(argv.end(), command.run_options.begin(), command.run_options.end());
      write_script(base + ".sh", "#!/bin/sh\n# Share " + std::to_string(row) + " of experiment " +
                                     std::to_string(ids_.experiment_id) +
                                     ", written by `orchestrator run --slurm`: its runs, as cell:runs.\nexec " +
                                     quote_command(argv) + "\n");
      std::vector<std::string> args = {
          "--exclusive",
          "--nodes=1",
          "--no-requeue",
          "--job-name=orch-" + std::to_string(ids_.experiment_id) + "-" + std::to_string(row),
          "--output=" + base + ".out",
          "--chdir=" + folder};
      if (!options.partition.empty()) args.push_back("--partition=" + options.partition);
      args.insert(args.end(), options.sbatch_args.begin(), options.sbatch_args.end());
      const int64_t job_id = cluster_.submit(args, base + ".sh");
      store_.set_slurm_job_id(row, job_id);
      spdlog::info("Slurm job {}: {} of {}{}", job_id, count(planned.share.size(), "run"),
                   count(planned.share.runs.size(), "cell"),
                   planned.replica ? " (replica " + std::to_string(*planned.replica + 1) + ")" : "");
    }
  }

  // Collects every uncollected job that has ended. Returns the number still active,
  // or nullopt when squeue did not answer.
  std::optional<size_t> collect_ended() {
    const auto jobs = uncollected();
    std::vector<int64_t> ids;
    for (const auto& job : jobs) ids.push_back(*job.job_id);
    const auto queued = cluster_.queue(ids);
    if (!queued) return std::nullopt;
    size_t active = 0;
    for (const auto& job : jobs) {
      const auto listed = queued->find(*job.job_id);
      if (listed != queued->end() && !is_final_job_state(listed->second.state)) {
        ++active;
        continue;
      }
      auto end = cluster_.job_end(*job.job_id);
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
    for (const auto& job : uncollected()) ids.push_back(*job.job_id);
    cluster_.cancel(ids);
    if (!ids.empty()) spdlog::warn("cancelled Slurm job(s) {}", join_numbers(ids, " "));
  }

  // Whether every job collected by this object was cancelled (a scancel of the whole
  // experiment), and whether any of its runs is still missing.
  bool all_cancelled() const { return collected_ > 0 && cancelled_ == collected_; }
  bool runs_missing() {
    const auto stored = store_.stored_run_indices(ids_.experiment_id);
    return !plan_jobs(experiment_, matrix_cells_, stored, {}, stopped_cells(), 1).empty();
  }

  SlurmOutcome outcome() {
    SlurmOutcome outcome;
    outcome.experiment_id = ids_.experiment_id;
    for (const auto& row : store_.cell_summary(ids_.experiment_id)) {
      outcome.runs_total += integer_of(value_of(row, "runs")).value_or(0);
      outcome.runs_ok += integer_of(value_of(row, "runs_ok")).value_or(0);
    }
    return outcome;
  }

 private:
  int main_index(const JobRow& job, int cell) const {
    return job.replica ? *job.replica * static_cast<int>(matrix_cells_) + cell : cell;
  }

  // Ingests the job's DB, then stores the runs it was given and did not finish with
  // Slurm's state and reason.
  void collect(const JobRow& job, const JobEnd& end) {
    const RunShare share = parse_share(job.share, experiment_);
    int64_t ingested = 0;
    std::string problem;
    std::set<int64_t> touched;
    std::string node = end.node;
    try {
      if (!fs::exists(job.job_db)) throw UserError("it wrote no results DB");
      ResultStore::AttachedJobDb db(store_, job.job_db);
      for (const auto& run_experiment : db.experiments()) {
        if (text_of(value_of(run_experiment, "matrix_hash")) != experiment_.matrix_hash) {
          problem = "its DB holds another matrix (the file changed after submission): not ingested";
          continue;
        }
        node = text_of(value_of(run_experiment, "hostname"));
        Columns facts;
        for (const char* name : {"hostname", "cpu_model", "kernel", "governor", "smt"})
          facts.push_back({name, text_of(value_of(run_experiment, name))});
        facts.push_back({"memory_mib", value_of(run_experiment, "memory_mib")});
        const int64_t host = store_.host_id(facts);
        for (const auto& run : db.ended_runs(*integer_of(value_of(run_experiment, "id")))) {
          const int cell = static_cast<int>(integer_of(value_of(run, "cell_index")).value_or(-1));
          const int run_index = static_cast<int>(integer_of(value_of(run, "run_index")).value_or(-1));
          if (!share.has(cell, run_index)) continue;  // not its to measure
          const int64_t cell_id = ids_.cell_ids.at(static_cast<size_t>(main_index(job, cell)));
          if (db.ingest_run(*integer_of(value_of(run, "id")), cell_id, host, *job.job_id)) ++ingested;
          touched.insert(cell_id);
          if (const std::string why = text_of(value_of(run, "stop_reason")); !why.empty())
            store_.stop_cell(cell_id, why);
        }
      }
    } catch (const UserError& e) {
      problem = e.what();
    }
    const auto stored = store_.stored_run_indices(ids_.experiment_id);
    const auto stopped = stopped_cells();
    std::string reason =
        "Slurm job " + std::to_string(*job.job_id) + (node.empty() ? "" : " on " + node) + ": " +
        (end.state.empty()
             ? "no longer known to Slurm, which kept no record of its end"
             : end.state + ", exit code " + (end.exit_code.empty() ? "?" : end.exit_code) + " (" + end.source + ")");
    if (const std::string ending = output_ending(fs::path(job.job_db).replace_extension(".out").string());
        !ending.empty())
      reason += "; its output ends: " + ending;
    if (!problem.empty()) reason += "; " + problem;
    int64_t unfinished = 0;
    for (const auto& [cell, runs] : share.runs) {
      const int main = main_index(job, cell);
      if (stopped.count(main)) continue;
      const Cell& main_cell = experiment_.cells.at(static_cast<size_t>(main));
      for (const int run_index : runs) {
        if (stored.count({main, run_index})) continue;
        const int64_t cell_id = ids_.cell_ids.at(static_cast<size_t>(main));
        store_.record_unfinished_run(cell_id, run_index, run_index < warmup_runs_of(experiment_, main_cell),
                                     unfinished_status(end.state == "COMPLETED" ? "FAILED" : end.state), reason,
                                     *job.job_id);
        touched.insert(cell_id);
        ++unfinished;
      }
    }
    Columns row = {{"state", end.state.empty() ? std::string("UNKNOWN") : end.state},
                   {"exit_code", end.exit_code},
                   {"state_source", end.source},
                   {"node", node}};
    store_.finish_slurm_job(job.row_id, row, ingested);
    store_.store_cell_statistics(std::vector<int64_t>(touched.begin(), touched.end()), cell_statistics);
    ++collected_;
    if (end.state == "CANCELLED") ++cancelled_;
    if (unfinished > 0)
      spdlog::warn("Slurm job {}: {} ingested, {} not finished: {}", *job.job_id, count(ingested, "run"), unfinished,
                   reason);
    else
      spdlog::info("Slurm job {} ({}): {} ingested", *job.job_id, end.state.empty() ? "?" : end.state,
                   count(ingested, "run"));
  }

  ResultStore& store_;
  const SlurmCluster& cluster_;
  const Experiment& experiment_;
  size_t matrix_cells_;
  ResultStore::ExperimentIds ids_;
  int collected_ = 0, cancelled_ = 0;
};

// Waits for the experiment's jobs, collecting each as it ends. Returns false when a
// stop signal came first (the active jobs are then cancelled and left to collect).
bool wait_for_jobs(SlurmJobs& jobs) {
  bool warned = false;
  for (;;) {
    if (stop_signal() != 0) {
      jobs.cancel_active();
      return false;
    }
    const auto active = jobs.collect_ended();
    if (active && *active == 0) return true;
    if (!active && !warned) {
      spdlog::warn("squeue does not answer; asking again every {} s", kPollSeconds);
      warned = true;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(kPollSeconds));
  }
}

// After the last job: finished when nothing is missing, else interrupted for --resume.
SlurmOutcome finish(ResultStore& store, SlurmJobs& jobs, bool stopped) {
  SlurmOutcome outcome = jobs.outcome();
  outcome.interrupted = stopped || jobs.all_cancelled();
  const bool missing = stopped || jobs.runs_missing();
  store.finish_experiment(jobs.experiment_id(), missing ? "interrupted" : "finished");
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

SlurmOutcome run_on_slurm(const Experiment& matrix, const SlurmPartition& partition, ResultStore& store,
                          const std::string& db_path, const JobCommand& command, const SlurmOptions& options,
                          bool resume) {
  const SlurmCluster cluster;
  const int max_jobs = options.max_jobs > 0 ? options.max_jobs : static_cast<int>(partition.nodes.size());
  Experiment experiment = slurm_experiment(matrix, options.split, max_jobs);
  std::optional<ResultStore::Resumption> resumed;
  if (resume) resumed = store.resume(experiment, OrchestratorIdentity::self());
  int64_t experiment_id = 0;
  if (resumed) {
    experiment_id = resumed->ids.experiment_id;
    // Replicas: as many copies as the experiment was begun with.
    experiment =
        slurm_experiment(matrix, options.split, static_cast<int>(resumed->ids.cell_ids.size() / matrix.cells.size()));
    spdlog::info("resuming experiment '{}' (id {}) on Slurm", experiment.name, experiment_id);
  } else {
    if (resume) spdlog::info("no interrupted Slurm experiment of this matrix in the DB: starting a new one");
    const SystemInfo system = collect_system_info();
    const Launchers launchers;
    std::vector<std::string> commands;
    for (const auto& cell : experiment.cells)
      commands.push_back(quote_command(launchers.command(experiment, cell).argv));
    experiment_id =
        store.begin_experiment(experiment, system, commands, HostContext{"", "", 0, OrchestratorIdentity::self()})
            .experiment_id;
  }
  SlurmJobs jobs(store, cluster, experiment, matrix.cells.size(), experiment_id);
  jobs.collect_ended();  // a resumed experiment's jobs that ended while no one watched
  const std::string folder =
      jobs_folder(options.job_folder.empty() ? db_path + ".slurm" : options.job_folder, experiment_id);
  const auto plan = plan_jobs(experiment, matrix.cells.size(), store.stored_run_indices(experiment_id),
                              jobs.busy_cells(), jobs.stopped_cells(), max_jobs);
  spdlog::info("experiment '{}' (id {}): {} on Slurm partition '{}' ({} nodes, {} idle), split by {}; job files in {}",
               experiment.name, experiment_id, count(plan.size(), "job"), partition.name, partition.nodes.size(),
               partition.idle_nodes(), options.split, folder);
  jobs.submit(plan, folder, command, options);
  if (options.detach) {
    store.set_experiment_status(experiment_id, "submitted");
    SlurmOutcome outcome = jobs.outcome();
    outcome.detached = true;
    return outcome;
  }
  const bool done = wait_for_jobs(jobs);
  return finish(store, jobs, !done);
}

std::vector<SlurmOutcome> collect_from_slurm(ResultStore& store, int64_t experiment_id, bool wait,
                                             const std::string& default_worker) {
  const SlurmCluster cluster;
  std::vector<SlurmOutcome> outcomes;
  const std::vector<int64_t> ids =
      experiment_id > 0 ? std::vector<int64_t>{experiment_id} : store.experiments_with_uncollected_jobs();
  for (const int64_t id : ids) {
    const auto [experiment, matrix_cells] = stored_experiment(store, id, default_worker);
    SlurmJobs jobs(store, cluster, experiment, matrix_cells, id);
    const bool stopped = wait ? !wait_for_jobs(jobs) : false;
    const auto active = wait ? std::optional<size_t>(0) : jobs.collect_ended();
    SlurmOutcome outcome;
    const std::string status = text_of(value_of(store.experiment(id), "status"));
    if (active && *active == 0 && status != "running") {
      outcome = finish(store, jobs, stopped);
    } else {
      outcome = jobs.outcome();
      outcome.detached = true;  // jobs still out
    }
    outcomes.push_back(outcome);
  }
  return outcomes;
}

}  // namespace orch

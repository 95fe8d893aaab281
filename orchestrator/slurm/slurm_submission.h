// run --slurm and collect: an experiment's runs spread over Slurm jobs, each asking
// for a whole node (--exclusive) and running this orchestrator there on its share
// (run/run_share.h) into a DB of its own in the experiment's job folder. The
// submitting orchestrator stores each job in slurm_jobs before sbatch is asked, waits
// for the jobs to leave the queue, and ingests each job's DB as it ends, one
// transaction per run. The runs a job did not finish are stored with a status from
// Slurm's final state (slurm_cancelled, slurm_timeout, ...) and its reason; --resume
// runs them again. Nothing stays in memory that the DBs do not hold: a submitter that
// dies loses nothing, since `collect` or `run --slurm --resume` ingests what the jobs
// wrote.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "matrix/experiment.h"
#include "run/experiment_runner.h"
#include "run/observer.h"
#include "run/run_share.h"
#include "slurm/slurm_cluster.h"
#include "store/result_store.h"

namespace orch {

struct SlurmOptions {
  std::string partition;                 // "": the cluster's default
  int max_jobs = 0;                      // jobs at once; replicas: the copies; 0: the partition's nodes
  std::vector<std::string> sbatch_args;  // passed to sbatch as they are
  std::string split = "cells";           // cells | replicas
  bool detach = false;                   // submit and return; `collect` ingests later
  std::string job_folder;                // for the jobs' scripts, DBs and output; "": <db>.slurm
};

// What the job in a Slurm job runs, besides its share: forwarded from `run`.
struct JobCommand {
  std::string orchestrator;              // this executable, the same path on every node
  std::vector<std::string> run_options;  // --lock, --lock-wait, --max-cells, ...
};

// One job to submit: a share of the matrix's cells (their indices in the matrix) and,
// for replicas, the copy it measures.
struct PlannedJob {
  std::optional<int> replica;
  RunShare share;
};

// The jobs that measure every run of `experiment` (the main experiment, replicas
// expanded) not in `stored` (as (cell index, run index)), leaving out `busy` cells
// (a job still has them) and `stopped` ones (runs: auto decided). A cell with a
// measured run missing gets its warm-ups again and its missing measured runs. Cells
// go round-robin to at most `max_jobs` jobs; with replicas, each copy is one job.
std::vector<PlannedJob> plan_jobs(const Experiment& experiment, size_t matrix_cells,
                                  const std::set<std::pair<int, int>>& stored, const std::set<int>& busy,
                                  const std::set<int>& stopped, int max_jobs);

// The main experiment of `matrix` run with `split`: for replicas, its cells `copies`
// times, each copy's labelled "[replica N]".
Experiment slurm_experiment(const Experiment& matrix, const std::string& split, int copies);

// run --slurm [--resume]: `matrix` was validated against `partition`'s smallest node.
// Its jobs, submitted, collected or cancelled, are told to `observer`.
ExperimentOutcome run_on_slurm(const Experiment& matrix, const SlurmPartition& partition, ResultStore& store,
                               const std::string& db_path, const JobCommand& command, const SlurmOptions& options,
                               bool resume, Observer& observer);

// collect: ingests the ended jobs of experiment `experiment_id` (0: every experiment
// with jobs not collected); with `wait`, until none is left. An experiment whose jobs
// are all collected is finished (or interrupted, runs missing), unless a live
// submitter still runs it. Returns the outcome of each experiment looked at;
// `detached` there means jobs are still out. `default_worker` reads the stored matrix.
std::vector<ExperimentOutcome> collect_from_slurm(ResultStore& store, int64_t experiment_id, bool wait,
                                                  const std::string& default_worker, Observer& observer);

}  // namespace orch

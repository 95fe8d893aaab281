// What the orchestrator asks Slurm, and how it reads the answers: the partition's
// nodes (sinfo), submitting (sbatch), the queue (squeue), cancelling (scancel), and a
// job's final state. That state comes from sacct where accounting answers; without
// slurmdbd ("accounting storage is disabled") from `scontrol show job` while the job
// is still in the controller's memory (MinJobAge), else from the jobcomp/filetxt
// file. Slurm's answers are read as untrusted text: only the fields named here, each
// checked, are believed. The parsers are exposed for the tests.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/system_info.h"

namespace orch {

struct SlurmNode {
  std::string name;
  int cpus = 0;
  int64_t memory_mib = 0;  // RealMemory
  std::string state;       // idle, mixed, allocated, down, drained, ...
};

struct SlurmPartition {
  std::string name;
  std::vector<SlurmNode> nodes;
  // The most every node of the partition can honour: CPUs 0..(fewest - 1), the least
  // memory; `where` names the node that has them, for validation's refusals.
  SystemInfo smallest_node() const;
  int idle_nodes() const;
};

// A job that has left the queue, as Slurm tells it.
struct JobEnd {
  std::string state;      // COMPLETED, FAILED, CANCELLED, TIMEOUT, PREEMPTED, NODE_FAIL, OUT_OF_MEMORY, ...
  std::string exit_code;  // "status:signal", e.g. 3:0 or 0:15
  std::string node;       // "" when it never started
  std::string source;     // sacct, scontrol or jobcomp
};

// A job in the queue (squeue): its state, its node once it has one, and its name.
struct QueuedJob {
  std::string state;  // PENDING, RUNNING, COMPLETING, ... or a final state while still listed
  std::string node;
  std::string name;
};

bool is_final_job_state(const std::string& state);

// sinfo -h -N -o '%N|%c|%m|%T|%P': one node per line; the partition `name` ("" its
// default, marked '*'). Nodes listed twice (in several states) count once.
std::optional<SlurmPartition> parse_sinfo(const std::string& text, const std::string& name);
// Every answer about a job is believed only when it names the job's id and its name
// (the orchestrator gives each job a unique one): after a controller reset, an id
// may belong to someone else's job.
// squeue -h -t all -o '%i|%T|%N|%j'
std::map<int64_t, QueuedJob> parse_squeue(const std::string& text);
// sacct -X -n -P -o JobID,State,ExitCode,NodeList,JobName -j ID ("CANCELLED by 0" is CANCELLED).
std::optional<JobEnd> parse_sacct(const std::string& text, int64_t job_id, const std::string& name);
// scontrol show job -o ID: one line of Key=Value fields (JobName); nullopt while not final.
std::optional<JobEnd> parse_scontrol_job(const std::string& text, int64_t job_id, const std::string& name);
// The jobcomp/filetxt file: one line per ended job (Name); the last one of `job_id`.
std::optional<JobEnd> parse_jobcomp(const std::string& text, int64_t job_id, const std::string& name);
// sbatch --parsable: "ID" or "ID;cluster".
std::optional<int64_t> parse_sbatch(const std::string& text);

// The nodes of partition `name` ("": the default). Throws UserError, saying why, when
// sinfo does not answer or the partition has no nodes.
SlurmPartition read_partition(const std::string& name);

// The cluster's controller, as the submitting orchestrator sees it. Throws UserError,
// saying why, when Slurm's commands are missing or do not answer.
class SlurmCluster {
 public:
  SlurmCluster();
  // Where job states come from: "sacct", or "scontrol show job, then the jobcomp file
  // <path>" (doctor prints it).
  std::string state_sources() const;

  // sbatch --parsable ARGS... SCRIPT; throws UserError with sbatch's own error.
  int64_t submit(const std::vector<std::string>& args, const std::string& script) const;
  // The jobs of `ids` still in the queue (or still listed after they ended); nullopt
  // when squeue did not answer (a controller restarting: ask again later).
  std::optional<std::map<int64_t, QueuedJob>> queue(const std::vector<int64_t>& ids) const;
  // The id of the job named `name` the queue still lists, if any.
  std::optional<int64_t> find(const std::string& name) const;
  // A job's final state; nullopt while Slurm has not settled it (COMPLETING), or has
  // no record of it.
  std::optional<JobEnd> job_end(int64_t job_id, const std::string& name) const;
  // scancel of job `job_id`, only if it still has `name`.
  void cancel(int64_t job_id, const std::string& name) const;

 private:
  bool accounting_ = false;   // sacct answers
  std::string jobcomp_file_;  // jobcomp/filetxt's JobCompLoc; "" without one
};

// Whether this machine is set up for Slurm: $SLURM_CONF, or /etc/slurm/slurm.conf.
bool slurm_configured();
// doctor, in one line: whether sbatch, squeue and sacct answer (the first that does
// not, and why), the partition's nodes and idle ones, and where job states come from.
std::string slurm_doctor_line(const std::string& partition);

}  // namespace orch

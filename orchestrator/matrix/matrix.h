// The experiment matrix: a YAML file (schemas/matrix.schema.json) turned into an
// Experiment whose cells are the cartesian product of the `matrix:` axes. Everything
// that can be checked before a launch is checked here, with file:line:column.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "launch/cache_policy.h"
#include "common/error.h"
#include "common/system_info.h"
#include "protocol/worker_flags.h"

namespace orch {

enum class LauncherKind { kHost, kTaskset, kCgroup, kUnshare, kSystemdRun, kDocker };

std::string launcher_name(LauncherKind kind);
const std::vector<std::string>& launcher_names();

// An unprivileged account for the workers.
struct UserIdentity {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
};

// How the worker runs; identical for every cell of an experiment.
struct WorkerSettings {
  std::string program;     // absolute path of the worker executable
  std::string model_path;  // absolute path of the TorchScript file
  std::vector<int64_t> input_shape = protocol::WorkerInvocation{}.input_shape;
  int warmup_iterations = protocol::WorkerInvocation{}.warmup_iterations;  // inside each run, untimed
  int iterations = protocol::WorkerInvocation{}.iterations;                // inside each run, each one timed
  std::string device = protocol::WorkerInvocation{}.device;
  SourceLocation device_origin;  // where the matrix set the device, for errors
  std::string docker_image = "orchestrator-worker:latest";  // for launcher docker
  // Run workers as this user while the orchestrator keeps root for cgroups and caches.
  std::optional<UserIdentity> user;

  bool on_gpu() const { return device != "cpu"; }  // cuda or cuda:N
};

// What varies between cells.
struct CellSettings {
  LauncherKind launcher = LauncherKind::kHost;
  std::vector<int> cpuset;                  // empty: not restricted
  std::optional<double> cpu_quota_percent;  // 200: two CPUs' worth of time
  std::optional<int64_t> memory_bytes;      // hard limit, swap excluded
  std::map<std::string, std::string> env;   // set for the worker; other thread variables are removed
  std::vector<std::string> namespaces;      // launcher unshare: extra namespaces (ipc, net, uts)
  CachePolicy cache;                        // page cache before each run (cache_policy.h)
  std::string program;                      // this cell's worker; "" for worker.program
  // torch_threads: thread pools set through LibTorch's API (at::set_num_threads, at::set_num_interop_threads),
  // which wins over the environment; 0 leaves LibTorch's own choice.
  struct Threads {
    int intra_op = 0;
    int inter_op = 0;
  } threads;
};

// Setting names as the matrix writes them, in label order.
const std::vector<std::string>& setting_names();

struct Cell {
  int index = 0;      // 0-based, in expansion order (the first axis varies slowest)
  std::string label;  // the axis values' labels, joined by ", "
  CellSettings settings;
  std::map<std::string, SourceLocation> origins;  // setting name -> where the matrix gave it
};

struct Experiment {
  std::string name;
  std::string matrix_path;  // absolute
  std::string matrix_text;  // the file as it was read, stored with the results
  std::string matrix_hash;  // of matrix_text: `run --resume` finds the experiment by it
  int runs = 3;             // measured fresh-process runs per cell
  int warmup_runs = 1;      // discarded fresh-process runs per cell, before the measured ones
  double timeout_s = 600;   // per run; the worker's whole process group is killed after it
  WorkerSettings worker;
  std::vector<Cell> cells;
};

// Discarded fresh-process runs before a cell's measured ones: `cache: warm N` says N,
// otherwise the experiment's warmup_runs.
int warmup_runs_of(const Experiment& experiment, const Cell& cell);
// All fresh-process runs of a cell: its warm-up runs and the measured ones.
int runs_of(const Experiment& experiment, const Cell& cell);
// The worker program a cell runs: its own `program`, else worker.program.
const std::string& program_of(const WorkerSettings& worker, const CellSettings& cell);

// Bounds on what a matrix may ask for, so that a careless or hostile file cannot
// exhaust the machine before anything runs.
struct MatrixOptions {
  size_t max_cells = 10000;  // --max-cells: checked before the axes are expanded
};
inline constexpr size_t kMaxMatrixBytes = 1 << 20;        // the file itself
inline constexpr size_t kMaxExpandedBytes = 64 << 20;     // labels and env of all cells together
inline constexpr size_t kMaxArgumentBytes = 128 * 1024;   // one argument or variable: the kernel's MAX_ARG_STRLEN

// Reads, expands and validates a matrix file: a regular text file of at most
// kMaxMatrixBytes, read as safe_files.h says. `default_worker` is used when the file
// names no worker program. Throws UserError naming file:line:column.
Experiment load_experiment(const std::string& path, const SystemInfo& system,
                           const std::string& default_worker, const MatrixOptions& options = {});

// The same for text already in memory; `path` names it in messages and anchors
// relative paths.
Experiment parse_experiment(const std::string& text, const std::string& path,
                            const SystemInfo& system, const std::string& default_worker,
                            const MatrixOptions& options = {});

}  // namespace orch

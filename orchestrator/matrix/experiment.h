// What a matrix becomes: an Experiment of Cells, each with every setting it runs
// with. The settings themselves -- their keys, how they are read, labelled and stored
// -- are declared once, in settings.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "matrix/cache_setting.h"
#include "protocol/worker_flags.h"

namespace orch {

enum class LauncherKind { kHost, kTaskset, kCgroup, kUnshare, kSystemdRun, kDocker };

std::string launcher_name(LauncherKind kind);
const std::vector<std::string>& launcher_names();

// Every setting a cell has, in the order labels name them (settings.h).
enum class Setting {
  kLauncher,
  kCpuset,
  kCpuQuota,
  kMemory,
  kEnv,
  kNamespaces,
  kCache,
  kTorchThreads,
  kProgram,
  kModel,
  kInputShape,
  kDevice,
  kWarmupIterations,
  kIterations,
};

// What a cell runs and how: every one of these may be an axis, and those of the
// worker may also be given once for every cell in the matrix's `worker:` block.
struct CellSettings {
  LauncherKind launcher = LauncherKind::kHost;
  std::vector<int> cpuset;                  // empty: not restricted
  std::optional<double> cpu_quota_percent;  // 200: two CPUs' worth of time
  std::optional<int64_t> memory_bytes;      // hard limit, swap excluded
  std::map<std::string, std::string> env;   // set for the worker; other thread variables are removed
  std::vector<std::string> namespaces;      // launcher unshare: extra namespaces (ipc, net, uts)
  CachePolicy cache;                        // page cache before each run (cache_policy.h)
  // torch_threads: thread pools set through LibTorch's API (at::set_num_threads,
  // at::set_num_interop_threads), which wins over the environment; 0 leaves LibTorch's own.
  struct Threads {
    int intra_op = 0;
    int inter_op = 0;
    bool operator==(const Threads& other) const { return intra_op == other.intra_op && inter_op == other.inter_op; }
  } threads;
  // The worker.
  std::string program;     // absolute path of the worker executable
  std::string model_path;  // absolute path of the TorchScript file
  std::vector<int64_t> input_shape = protocol::WorkerInvocation{}.input_shape;
  std::string device = protocol::WorkerInvocation{}.device;
  int warmup_iterations = protocol::WorkerInvocation{}.warmup_iterations;  // inside each run, untimed
  int iterations = protocol::WorkerInvocation{}.iterations;                // inside each run, each one timed
  // iterations: auto -- from min_iterations timed iterations up to `iterations`, until
  // the run's p50 is within +-iterations_target_percent (protocol/worker_flags.h's
  // rule); all three from the matrix's precision block.
  bool iterations_auto = false;
  int min_iterations = 0;
  double iterations_target_percent = 0;

  bool on_gpu() const { return device != "cpu"; }  // cuda or cuda:N
};

// An unprivileged account for the workers.
struct UserIdentity {
  std::string name;
  uint32_t uid = 0;
  uint32_t gid = 0;
};

// What is the same for every cell of an experiment.
struct WorkerSettings {
  std::string docker_image = "orchestrator-worker:latest";  // for launcher docker
  // Run workers as this user while the orchestrator keeps root for cgroups and caches.
  std::optional<UserIdentity> user;
};

struct Cell {
  int index = 0;      // 0-based, in expansion order (the first axis varies slowest)
  std::string label;  // the axis values' labels, joined by ", "
  CellSettings settings;
  std::map<Setting, SourceLocation> origins;  // where the matrix gave each setting it gave
  std::optional<int> replica;                 // run --slurm-split replicas: the copy of the matrix it is in
};

inline constexpr int64_t kMaxOrderSeed = (int64_t{1} << 53) - 1;  // exact in JSON and in a double

// In what order the runs of an experiment's cells execute (run/run_order.h).
enum class RunOrder { kSequential, kInterleaved, kRandom };
std::string run_order_name(RunOrder order);
const std::vector<std::string>& run_order_names();  // in enum order

// runs: auto -- measured runs are added to each cell, in the experiment's order, until
// the interval of its p50 (the one cell_summary shows) is within +-target_percent of
// it, or the cell has had max_runs measured runs, or its runs (warm-ups included) took
// max_minutes of machine time (measure/precision.h). iterations: auto -- the same
// within each run, over its iterations, from min_iterations to max_iterations.
struct Precision {
  // The fewest measured ok runs whose median interval reaches 95% (measure/intervals.h:
  // values_for_confidence), so the least max_runs may be.
  static constexpr int kFewestRuns = 6;
  double target_percent = 2;
  int max_runs = 30;
  double max_minutes = 20;
  // iterations: auto -- a run's timed iterations, until its own p50 is within
  // +-target_percent (at least 6 for a 95% interval).
  int min_iterations = 20;
  int max_iterations = 10000;
};

struct Experiment {
  std::string name;
  std::string matrix_path;             // absolute
  std::string matrix_text;             // the file as it was read, stored with the results
  std::string matrix_hash;             // of matrix_text: `run --resume` finds the experiment by it
  int runs = 3;                        // measured fresh-process runs per cell; with runs: auto, the most (max_runs)
  bool runs_auto = false;              // runs: auto
  std::optional<Precision> precision;  // runs: auto, iterations: auto
  int warmup_runs = 1;                 // discarded fresh-process runs per cell, before the measured ones
  double timeout_s = 600;              // per run; the worker's whole process group is killed after it
  RunOrder order = RunOrder::kInterleaved;
  // calibration: true -- the bundled worker's calibration kernel is timed before the
  // first run, between rounds and after the last (measure/drift.h).
  bool calibration = false;
  std::string calibration_program;    // the bundled worker
  std::string slurm_split;            // run --slurm: "cells" or "replicas"; "": measured where it runs
  std::optional<int64_t> order_seed;  // order: random; unset: drawn once and stored (<= kMaxOrderSeed)
  WorkerSettings worker;
  std::vector<Cell> cells;
};

// Bounds on what a matrix may ask for, so that a careless or hostile file cannot
// exhaust the machine before anything runs.
struct MatrixOptions {
  size_t max_cells = 10000;  // --max-cells: checked before the axes are expanded
};
inline constexpr size_t kMaxMatrixBytes = 1 << 20;       // the file itself
inline constexpr size_t kMaxExpandedBytes = 64 << 20;    // labels and env of all cells together
inline constexpr size_t kMaxArgumentBytes = 128 * 1024;  // one argument or variable: the kernel's MAX_ARG_STRLEN
inline constexpr int64_t kMaxRuns = 1000000;             // all cells' runs: a million fresh processes is weeks

// Discarded fresh-process runs before a cell's measured ones: `cache: warm N` says N,
// otherwise the experiment's warmup_runs.
int warmup_runs_of(const Experiment& experiment, const Cell& cell);
// All fresh-process runs of a cell: its warm-up runs and the measured ones (with
// runs: auto, the most it may have).
int runs_of(const Experiment& experiment, const Cell& cell);

// Where the matrix gave `setting` for `cell`, or, when it did not, where it gave the
// launcher, or the file itself: for an error about that setting.
SourceLocation origin_of(const Experiment& experiment, const Cell& cell, Setting setting);

}  // namespace orch

// Runs one child process to completion: its own session (so Ctrl-C on the terminal
// does not reach it, a kill reaches its whole tree, and it has no controlling
// terminal), no descriptor of ours beyond stdin/stdout/stderr, stdout/stderr
// captured, a wall-clock timeout, wait4() resource usage, and -- once
// install_stop_handlers() ran -- a kill as soon as SIGINT/SIGTERM/SIGHUP arrives.
// No process of a run outlives it:
//   - the child dies with the orchestrator (PR_SET_PDEATHSIG), even by SIGKILL;
//   - its process group is killed once it has been reaped;
//   - after adopt_orphans(), descendants that left the group (setsid) and lost
//     their parent are reparented to the orchestrator and killed too. (A cgroup,
//     where the launcher makes one, reaches them even while their parent lives.)
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/resource_usage.h"

namespace orch {

struct ProcessSpec {
  std::vector<std::string> argv;           // argv[0] is an absolute path
  std::map<std::string, std::string> env;  // added to base_environment(run_as)
  double timeout_s = 600;
  // cgroup.procs files the child writes its pid to before exec; if one fails the child
  // exits 126 with the reason on stderr, and nothing of the worker runs.
  std::vector<std::string> join_files;
  // After joining its cgroups and before exec, the child becomes this user (uid, gid;
  // supplementary groups dropped). Unset: it stays who the orchestrator is.
  std::optional<std::pair<uint32_t, uint32_t>> run_as;
  // Called after the process group was killed on timeout or interrupt, to reach what
  // lives outside it (a cgroup's other tasks, a container).
  std::function<void()> kill_all;
  // Helpers that clean up after an interrupt (docker kill, docker rm) must finish:
  // they do not watch for SIGINT/SIGTERM.
  bool survives_stop = false;
  // Of each output stream only the last this many bytes are kept.
  size_t output_limit_bytes = 64 * 1024;
  // Called with the child's pid as soon as it exists (to record it for recovery).
  std::function<void(pid_t)> on_spawn;
};

struct ProcessOutcome {
  std::string launch_error;  // set when the process could not be started at all
  bool timed_out = false;
  double timeout_s = 0;    // the limit it ran under
  int interrupted_by = 0;  // SIGINT/SIGTERM that reached the orchestrator during the run
  int exit_code = -1;      // when the process exited
  int term_signal = 0;     // when a signal ended it
  double wall_ms = 0;      // spawn to reap, monotonic clock
  protocol::ResourceUsage usage;
  std::string stdout_tail;  // the last ProcessSpec::output_limit_bytes of each stream
  std::string stderr_tail;
};

ProcessOutcome run_process(const ProcessSpec& spec);

// The environment a child starts from, before a cell's own variables: this
// process's, less inherited thread variables (so that a cell's "unset" is unset).
// For a child of another user (run_as): only what a login would give that user --
// PATH, HOME, USER, LOGNAME, SHELL, and the locale -- so that nothing of the
// orchestrator's environment (a token, root's settings) reaches the worker's user.
std::map<std::string, std::string> base_environment(const std::optional<std::pair<uint32_t, uint32_t>>& run_as);

// The bytes execve(2) is handed for `argv` and `env` added to base_environment(run_as),
// pointers included: what the kernel's ARG_MAX bounds. And the longest single
// string, which MAX_ARG_STRLEN bounds.
struct ExecSize {
  size_t total_bytes = 0;
  size_t longest_string_bytes = 0;
};
ExecSize exec_size(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                   const std::optional<std::pair<uint32_t, uint32_t>>& run_as);

// Makes this process a child subreaper (PR_SET_CHILD_SUBREAPER): orphaned
// descendants of its children become its own, so that run_process can kill what a
// run left behind once its parent is gone. `run` calls it once.
void adopt_orphans();
// Kills every adopted descendant that no run_process waits for: main calls it last,
// so that nothing a worker or a helper left outlives the orchestrator.
void kill_adopted();

// A process of ours that only waits -- every signal blocked but SIGKILL, no descriptor
// beyond 0-2, dying with the orchestrator -- until it is destroyed, which kills and
// reaps it. Sweeps for strays leave it alone. A launcher keeps one in a run's cgroup
// so that the cgroup, and its counters, outlive the run's last process until read.
class IdleProcess {
 public:
  IdleProcess();  // pid() < 0 when fork failed
  ~IdleProcess();
  IdleProcess(const IdleProcess&) = delete;
  IdleProcess& operator=(const IdleProcess&) = delete;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// Runs a short helper command (e.g. `docker inspect`) to its end, or kills it after
// kHelperTimeoutS. Its stdout is kept whole up to kHelperOutputBytes; output beyond
// that is a failure, not a silently shortened answer.
inline constexpr double kHelperTimeoutS = 60;
inline constexpr size_t kHelperOutputBytes = 16 * 1024 * 1024;
struct CommandOutput {
  bool ok = false;    // started and exited 0
  std::string text;   // its stdout
  std::string error;  // the tail of its stderr, or why it could not start
};
// With `run_as`, the helper runs as that user (uid, gid), as a worker would.
CommandOutput capture_output(const std::vector<std::string>& argv,
                             const std::optional<std::pair<uint32_t, uint32_t>>& run_as = std::nullopt);

}  // namespace orch

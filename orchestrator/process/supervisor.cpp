// Child process supervision with Boost.Process and Boost.Asio (see supervisor.h).
// Boost.Process only spawns: the child is detached and reaped here with wait4(),
// which is the only way to get its own rusage.
#include "process/supervisor.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "process/interrupt.h"
#include "process/process_identity.h"
#include "protocol/thread_env.h"

namespace orch {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process;
using Clock = std::chrono::steady_clock;

// How long a finished child's pipes may stay open (held by an escaped grandchild).
constexpr auto kPipeLinger = std::chrono::seconds(2);

// The base environment (base_environment), plus the cell's.
bp::environment child_environment(const std::map<std::string, std::string>& extra,
                                  const std::optional<std::pair<uint32_t, uint32_t>>& run_as) {
  bp::environment env;
  for (const auto& [name, value] : base_environment(run_as)) env[name] = value;
  for (const auto& [name, value] : extra) env[name] = value;
  return env;
}

// In the forked child, first: a session of its own. Ctrl-C on the terminal does not
// reach it, a kill of its process group reaches its whole tree, and it has no
// controlling terminal, so a worker of another user cannot write to root's terminal
// or push keystrokes into it (TIOCSTI). Async-signal-safe calls only.
void leave_session() {
  if (::setsid() < 0) {
    const char message[] = "orchestrator: cannot start a session for the worker\n";
    (void)!::write(STDERR_FILENO, message, sizeof(message) - 1);
    ::_exit(126);
  }
}

// In the forked child, before exec: no descriptor of the orchestrator's (a file
// given to it on the command line, say) reaches the worker beyond 0, 1 and 2, and no
// signal it ignores (SIGPIPE) stays ignored: a disposition of SIG_IGN survives exec.
void close_inherited_descriptors() { ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC); }
void restore_signal_defaults() {
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &default_action, nullptr);
}

// In the forked child, before exec: join each cgroup. Only async-signal-safe calls.
void join_cgroups(const std::vector<std::string>& procs_files) {
  char pid[24];
  int length = 0;
  for (pid_t value = ::getpid(); value > 0; value /= 10) pid[length++] = static_cast<char>('0' + value % 10);
  for (int i = 0; i < length / 2; ++i) std::swap(pid[i], pid[length - 1 - i]);
  for (const auto& file : procs_files) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    const bool joined = fd >= 0 && ::write(fd, pid, length) == length;
    if (fd >= 0) ::close(fd);
    if (!joined) {
      const char message[] = "orchestrator: cannot join cgroup ";
      (void)!::write(STDERR_FILENO, message, sizeof(message) - 1);
      (void)!::write(STDERR_FILENO, file.c_str(), file.size());
      (void)!::write(STDERR_FILENO, "\n", 1);
      ::_exit(126);
    }
  }
}

// In the forked child, after joining cgroups: give up root. Async-signal-safe calls only.
void drop_privileges(const std::optional<std::pair<uint32_t, uint32_t>>& run_as) {
  if (!run_as) return;
  if (::setgroups(0, nullptr) != 0 || ::setgid(run_as->second) != 0 || ::setuid(run_as->first) != 0) {
    const char message[] = "orchestrator: cannot switch to the worker's user\n";
    (void)!::write(STDERR_FILENO, message, sizeof(message) - 1);
    ::_exit(126);
  }
}

// In the forked child, last before exec: die with the orchestrator. Set after the
// user switch, which would clear it; a parent that died before it was set is seen.
void die_with_parent(pid_t parent) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(126);
}

// The children run_process is waiting for, and whether orphans are adopted.
std::mutex g_supervised_mutex;
std::set<pid_t> g_supervised;
std::atomic<bool> g_adopting{false};

void stop_supervising(pid_t pid) {
  std::lock_guard<std::mutex> guard(g_supervised_mutex);
  g_supervised.erase(pid);
}

// The processes below `roots` (found by their parents in /proc now), roots included.
std::vector<std::pair<ProcessIdentity, char>> subtrees(const std::vector<pid_t>& roots) {
  std::map<pid_t, std::vector<pid_t>> children;
  std::map<pid_t, ProcessStat> stats;
  for (pid_t pid : all_pids())
    if (const auto stat = read_process_stat(pid); stat && !stat->zombie) {
      children[stat->parent].push_back(pid);
      stats[pid] = *stat;
    }
  std::vector<std::pair<ProcessIdentity, char>> found;
  std::vector<pid_t> todo(roots);
  while (!todo.empty()) {
    const pid_t pid = todo.back();
    todo.pop_back();
    if (const auto stat = stats.find(pid); stat != stats.end())
      found.push_back({{pid, stat->second.start_ticks}, stat->second.state});
    for (pid_t child : children[pid]) todo.push_back(child);
  }
  return found;
}

// Children of this process that no run_process waits for and that started no
// earlier than `since_ticks` (a run's child, or this process): descendants of a run,
// reparented here when their parent died. Each stray's whole subtree is stopped
// first (a stopped process cannot fork, and a death signal only kills it), again
// until nothing below runs, then killed; then what was reparented meanwhile, until
// none is left. A zombie child is reaped.
void kill_strays(uint64_t since_ticks) {
  if (!g_adopting) return;
  const auto give_up = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < give_up) {
    std::vector<pid_t> strays;
    for (pid_t pid : all_pids()) {
      const auto stat = read_process_stat(pid);
      std::lock_guard<std::mutex> guard(g_supervised_mutex);
      if (stat && stat->parent == ::getpid() && stat->start_ticks >= since_ticks && !g_supervised.count(pid))
        strays.push_back(pid);
    }
    if (strays.empty()) return;
    auto tree = subtrees(strays);
    for (int round = 0; round < 100; ++round) {
      bool running = false;
      for (const auto& [process, state] : tree)
        if (state != 'T' && state != 't') running = process.signal(SIGSTOP) || running;
      if (!running) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      tree = subtrees(strays);  // what forked before it stopped
    }
    for (const auto& [process, state] : tree) process.kill();
    const auto reaped_by = Clock::now() + std::chrono::seconds(1);  // one we cannot kill (setuid) is left
    for (pid_t pid : strays)
      while (::waitpid(pid, nullptr, WNOHANG) == 0 && Clock::now() < reaped_by)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Reads a pipe to its end, keeping only the last `limit` bytes; calls on_end once.
class TailReader {
 public:
  TailReader(bp::async_pipe& pipe, std::string& tail, size_t limit, std::function<void()> on_end)
      : pipe_(pipe), tail_(tail), limit_(limit), on_end_(std::move(on_end)) {}

  void start() {
    pipe_.async_read_some(asio::buffer(chunk_), [this](const boost::system::error_code& ec, size_t n) {
      tail_.append(chunk_.data(), n);
      if (tail_.size() > 2 * limit_) tail_.erase(0, tail_.size() - limit_);
      if (ec) return on_end_();
      start();
    });
  }

  void finish() {
    if (tail_.size() > limit_) tail_.erase(0, tail_.size() - limit_);
  }

 private:
  bp::async_pipe& pipe_;
  std::string& tail_;
  size_t limit_;
  std::function<void()> on_end_;
  std::array<char, 8192> chunk_{};
};

// True when `pid` has exited but is not reaped yet (its SIGCHLD is still queued):
// a timeout or a stop that comes that late must not turn a finished run into a lost one.
bool has_exited(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}

}  // namespace

ProcessOutcome run_process(const ProcessSpec& spec) {
  ProcessOutcome outcome;
  outcome.timeout_s = spec.timeout_s;
  asio::io_context io;
  // Exists before the fork, so no SIGCHLD can slip past it.
  asio::signal_set child_exits(io, SIGCHLD);
  // Readable once SIGINT/SIGTERM arrived (interrupt.h); a stop before the spawn is
  // seen as soon as the loop runs.
  asio::posix::stream_descriptor stop_requests(io);
  if (stop_fd() >= 0 && !spec.survives_stop)
    stop_requests.assign(::fcntl(stop_fd(), F_DUPFD_CLOEXEC, 0));  // not for the child
  bp::async_pipe out_pipe(io), err_pipe(io);
  bp::environment env = child_environment(spec.env, spec.run_as);
  const std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());

  const auto start = Clock::now();
  const pid_t parent = ::getpid();
  std::error_code spawn_error;
  // Held from the fork on: no sweep for strays can take the new child for one.
  std::unique_lock<std::mutex> spawning(g_supervised_mutex);
  bp::child child(
      bp::exe = spec.argv.at(0), bp::args = args, env, bp::std_in<bp::null, bp::std_out> out_pipe,
      bp::std_err > err_pipe,
      bp::extend::on_exec_setup =
          [&spec, parent](auto&) {
            leave_session();
            join_cgroups(spec.join_files);
            drop_privileges(spec.run_as);
            die_with_parent(parent);
            close_inherited_descriptors();
            restore_signal_defaults();
          },
      spawn_error);
  if (spawn_error) {
    outcome.launch_error = spawn_error.message();
    return outcome;
  }
  // The child has run leave_session() by now: bp::child returns once it exec'd.
  const pid_t pid = child.id();
  g_supervised.insert(pid);
  spawning.unlock();
  const auto child_stat = read_process_stat(pid);  // its descendants start no earlier
  const uint64_t started_ticks = child_stat ? child_stat->start_ticks : 0;
  child.detach();  // reaped below, by wait4()
  if (spec.on_spawn) spec.on_spawn(pid);

  // The run is over when the child is reaped and both pipes have ended; pipes that an
  // escaped grandchild holds open are closed kPipeLinger after the reap.
  asio::steady_timer deadline(
      io, std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(spec.timeout_s)));
  asio::steady_timer linger(io);
  int open_streams = 2;
  auto stream_ended = [&] {
    if (--open_streams == 0) linger.cancel();
  };
  TailReader out_reader(out_pipe, outcome.stdout_tail, spec.output_limit_bytes, stream_ended);
  TailReader err_reader(err_pipe, outcome.stderr_tail, spec.output_limit_bytes, stream_ended);
  out_reader.start();
  err_reader.start();
  deadline.async_wait([&](const boost::system::error_code& ec) {
    if (ec || has_exited(pid)) return;
    outcome.timed_out = true;
    ::kill(-pid, SIGKILL);
    if (spec.kill_all) spec.kill_all();
  });
  if (stop_requests.is_open())
    stop_requests.async_wait(asio::posix::stream_descriptor::wait_read, [&](const boost::system::error_code& ec) {
      if (ec || has_exited(pid)) return;
      outcome.interrupted_by = stop_signal();
      ::kill(-pid, SIGKILL);
      if (spec.kill_all) spec.kill_all();
    });

  std::function<void()> await_exit = [&] {
    child_exits.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      int status = 0;
      rusage ru{};
      if (::wait4(pid, &status, WNOHANG, &ru) != pid) return await_exit();
      outcome.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      outcome.usage = protocol::to_resource_usage(ru);
      if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) outcome.term_signal = WTERMSIG(status);
      ::kill(-pid, SIGKILL);  // whatever the worker left behind in its group
      deadline.cancel();
      if (stop_requests.is_open()) stop_requests.cancel();
      if (open_streams == 0) return;
      linger.expires_after(kPipeLinger);
      linger.async_wait([&](const boost::system::error_code& linger_ec) {
        if (linger_ec) return;
        out_pipe.close();
        err_pipe.close();
      });
    });
  };
  await_exit();
  io.run();
  stop_supervising(pid);
  kill_strays(started_ticks);
  out_reader.finish();
  err_reader.finish();
  return outcome;
}

IdleProcess::IdleProcess() {
  std::lock_guard<std::mutex> guard(g_supervised_mutex);  // no sweep sees it unregistered
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {  // async-signal-safe calls only
    die_with_parent(parent);
    ::close_range(3, ~0U, 0);
    sigset_t all;
    ::sigfillset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    for (;;) ::pause();
  }
  if (pid_ > 0) g_supervised.insert(pid_);
}

IdleProcess::~IdleProcess() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  stop_supervising(pid_);
}

std::map<std::string, std::string> base_environment(const std::optional<std::pair<uint32_t, uint32_t>>& run_as) {
  std::map<std::string, std::string> base;
  for (const auto& entry : boost::this_process::environment()) {
    const std::string name = entry.get_name();
    if (protocol::is_thread_env_var(name)) continue;
    const bool locale = name == "LANG" || name == "TZ" || name.rfind("LC_", 0) == 0;
    if (!run_as || locale) base[name] = entry.to_string();
  }
  if (!run_as) return base;
  base["PATH"] = "/usr/local/bin:/usr/bin:/bin";
  if (const passwd* user = ::getpwuid(run_as->first)) {
    base["HOME"] = user->pw_dir;
    base["USER"] = base["LOGNAME"] = user->pw_name;
    base["SHELL"] = user->pw_shell;
  }
  return base;
}

ExecSize exec_size(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                   const std::optional<std::pair<uint32_t, uint32_t>>& run_as) {
  ExecSize size;
  auto add = [&](size_t length) {
    size.total_bytes += length + 1 + sizeof(char*);
    size.longest_string_bytes = std::max(size.longest_string_bytes, length + 1);
  };
  for (const auto& arg : argv) add(arg.size());
  for (const auto& entry : child_environment(env, run_as)) add(entry.get_name().size() + 1 + entry.to_string().size());
  size.total_bytes += 2 * sizeof(char*);  // the two terminating null pointers
  return size;
}

void adopt_orphans() {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0) g_adopting = true;
}

void kill_adopted() { kill_strays(ProcessIdentity::self().start_ticks); }

CommandOutput capture_output(const std::vector<std::string>& argv,
                             const std::optional<std::pair<uint32_t, uint32_t>>& run_as) {
  // Through run_process: a helper that hangs (a stuck docker engine) is killed too.
  ProcessSpec spec{argv, {}, kHelperTimeoutS};
  spec.run_as = run_as;
  spec.survives_stop = true;
  spec.output_limit_bytes = kHelperOutputBytes;
  const ProcessOutcome outcome = run_process(spec);
  if (!outcome.launch_error.empty()) return {false, outcome.launch_error, outcome.launch_error};
  const bool whole = outcome.stdout_tail.size() < kHelperOutputBytes;
  return {outcome.exit_code == 0 && !outcome.timed_out && whole, outcome.stdout_tail, outcome.stderr_tail};
}

}  // namespace orch

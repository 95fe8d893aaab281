// Helpers of the end-to-end fault and security suites: the orchestrator binary
// started and signalled, its DB queried, processes and cgroups looked for.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "process/supervisor.h"

namespace e2e {

// The orchestrator binary (test::orchestrator_argv), started without waiting for it;
// killed by SIGKILL if the test leaves it running.
class Orchestrator {
 public:
  // A `run` measures with --share-machine unless `share_machine` is false.
  explicit Orchestrator(const std::vector<std::string>& args, bool share_machine = true);
  ~Orchestrator();
  Orchestrator(const Orchestrator&) = delete;
  Orchestrator& operator=(const Orchestrator&) = delete;
  pid_t pid() const { return pid_; }
  void signal(int signal_number);
  int wait();  // exit code, or 128 + signal

 private:
  pid_t pid_ = -1;
};

int run(const std::vector<std::string>& args);  // started and waited for

// The first column of the first row of `sql` on the DB, as text.
std::string query(const std::string& db_path, const std::string& sql);
// Polls the DB until `sql` returns `expected`; false after `timeout_s`.
bool await(const std::string& db_path, const std::string& sql, const std::string& expected, double timeout_s = 30);
// Polls until `path` exists; false after `timeout_s`.
bool await_file(const std::filesystem::path& path, double timeout_s = 30);

// Still running or sleeping a second after a SIGKILL (which takes effect
// asynchronously); a zombie has already died.
bool alive(pid_t pid);
pid_t read_pid(const std::filesystem::path& file);
// Pids of live processes whose command line holds `token`.
std::vector<pid_t> processes_with(const std::string& token);

// Cgroups an orchestrator made (named orch*, session.h) anywhere below
// /sys/fs/cgroup whose orchestrator is dead: what one left behind. Those of
// orchestrators still running (other tests') are not leftovers.
// With `of`, only those of the orchestrator of that pid: another test's orchestrator,
// killed a moment ago, has left its own until its next run.
std::vector<std::string> leftover_cgroups(std::optional<pid_t> of = std::nullopt);

// Headless Chromium, for the HTML report: its path; else the test is skipped, saying
// why (as it is without Chart.js, which the report inlines).
std::string require_chromium();
// Chromium headless on the file `html`, with `args` (--dump-dom, --screenshot=...),
// HOME in `home`.
orch::ProcessOutcome headless(const std::string& browser, const std::string& html, const std::string& home,
                              const std::vector<std::string>& args);
// What the report's charts set on their element: data-NAME's value in a dumped DOM
// ("ready", "distributions", ...), "missing" when absent.
std::string data_attribute(const std::string& dom, const std::string& name);
void require_root_cgroups();  // else the test is skipped, saying why

}  // namespace e2e

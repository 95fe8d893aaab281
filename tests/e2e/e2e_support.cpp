// End-to-end test helpers (see e2e_support.h).
#include "e2e/e2e_support.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "common/session.h"
#include "launch/cgroups/cgroup.h"
#include "process/process_identity.h"
#include "test_support.h"

extern char** environ;

namespace e2e {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

Orchestrator::Orchestrator(const std::vector<std::string>& arguments, bool share_machine) {
  std::vector<std::string> args = test::orchestrator_argv(arguments, share_machine);
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  REQUIRE(posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
}

Orchestrator::~Orchestrator() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait();
  }
}

void Orchestrator::signal(int signal_number) { ::kill(pid_, signal_number); }

int Orchestrator::wait() {
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run(const std::vector<std::string>& args) { return Orchestrator(args).wait(); }

std::string query(const std::string& db_path, const std::string& sql) {
  SQLite::Database db(db_path);
  db.setBusyTimeout(5000);
  return db.execAndGet(sql).getString();
}

bool await(const std::string& db_path, const std::string& sql, const std::string& expected, double timeout_s) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < give_up) {
    try {
      if (fs::exists(db_path) && query(db_path, sql) == expected) return true;
    } catch (const SQLite::Exception&) {
    }
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

bool await_file(const fs::path& path, double timeout_s) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (!fs::exists(path))
    if (std::chrono::steady_clock::now() > give_up)
      return false;
    else
      std::this_thread::sleep_for(20ms);
  return true;
}

bool alive(pid_t pid) {
  for (int i = 0; i < 100; ++i) {
    if (!orch::ProcessIdentity::of(pid)) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

pid_t read_pid(const fs::path& file) {
  pid_t pid = 0;
  std::ifstream(file) >> pid;
  return pid;
}

std::vector<pid_t> processes_with(const std::string& token) {
  std::vector<pid_t> found;
  for (pid_t pid : orch::all_pids()) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
    const std::string cmdline((std::istreambuf_iterator<char>(in)), {});
    if (cmdline.find(token) != std::string::npos && orch::ProcessIdentity::of(pid)) found.push_back(pid);
  }
  return found;
}

std::vector<std::string> leftover_cgroups(std::optional<pid_t> of) {
  std::vector<std::string> found;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator("/sys/fs/cgroup", fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!it->is_directory(ec) || !orch::left_by_dead_orchestrator(name)) continue;
    if (const auto owner = orch::owner_of(name); of && (!owner || owner->pid != *of)) continue;
    found.push_back(it->path());
  }
  return found;
}

void require_root_cgroups() {
  if (geteuid() != 0) test::skip("needs root for cgroups");
  if (auto reason = orch::detect_cgroups()->unusable_reason()) test::skip("cgroups unusable here: " + *reason);
}

std::string require_chromium() {
  std::string browser;
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (::access(candidate, X_OK) == 0) browser = candidate;
  if (browser.empty()) test::skip("no headless Chromium (apt-get install chromium) to open the HTML report");
  if (::access("/usr/share/javascript/chart.js/chart.min.js", R_OK) != 0)
    test::skip("Chart.js is not installed (apt-get install libjs-chart.js)");
  return browser;
}

orch::ProcessOutcome headless(const std::string& browser, const std::string& html, const std::string& home,
                              const std::vector<std::string>& args) {
  std::vector<std::string> argv = {browser,
                                   "--headless",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--allow-file-access-from-files",
                                   "--virtual-time-budget=10000"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("file://" + html);
  orch::ProcessSpec spec{argv, {{"HOME", home}}, 120};
  spec.output_limit_bytes = 8 << 20;
  return orch::run_process(spec);
}

std::string data_attribute(const std::string& dom, const std::string& name) {
  const std::string key = "data-" + name + "=\"";
  const size_t at = dom.find(key);
  if (at == std::string::npos) return "missing";
  return dom.substr(at + key.size(), dom.find('"', at + key.size()) - at - key.size());
}

}  // namespace e2e

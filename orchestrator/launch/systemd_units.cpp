// systemd's units through its own command-line tools (see systemd_units.h).
#include "launch/systemd_units.h"

#include <unistd.h>

#include <boost/process/search_path.hpp>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "common/session.h"
#include "common/text.h"
#include "launch/cgroups/cgroup.h"
#include "launch/cgroups/cgroup_files.h"
#include "process/supervisor.h"

namespace orch {
namespace {

std::string installed(const char* program) {
  const std::string path = boost::process::search_path(program).string();
  return path.empty() ? program : path;
}

const std::string& systemctl() {
  static const std::string path = installed("systemctl");
  return path;
}

std::vector<std::string> manager_argv(const std::string& program, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {program};
  if (geteuid() != 0) argv.push_back("--user");
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

void find_user_manager() {
  const std::string runtime_dir = user_runtime_dir();
  if (geteuid() != 0 && !std::getenv("XDG_RUNTIME_DIR") && access(runtime_dir.c_str(), X_OK) == 0)
    ::setenv("XDG_RUNTIME_DIR", runtime_dir.c_str(), 0);
}

std::string user_runtime_dir() {
  const char* set = std::getenv("XDG_RUNTIME_DIR");
  return set ? set : "/run/user/" + std::to_string(geteuid());
}

bool has_user_bus() { return access((user_runtime_dir() + "/bus").c_str(), F_OK) == 0; }

bool booted_with_systemd() { return access("/run/systemd/system", F_OK) == 0; }

std::vector<std::string> systemctl_argv(const std::vector<std::string>& args) {
  return manager_argv(systemctl(), args);
}

int stop_dead_orchestrators_scopes(const std::string& prefix) {
  if (!booted_with_systemd() || boost::process::search_path("systemctl").empty()) return 0;
  std::istringstream lines(capture_output(systemctl_argv({"list-units", "--type=scope", "--all", "--plain",
                                                          "--no-legend", "--no-pager", prefix + "*"}))
                               .text);
  int stopped = 0;
  for (std::string line; std::getline(lines, line);) {
    const std::string unit = line.substr(0, line.find(' '));
    if (!ends_with(unit, ".scope") || unit.size() <= 6) continue;
    if (!left_by_dead_orchestrator(unit.substr(0, unit.size() - 6))) continue;
    capture_output(systemctl_argv({"kill", "--signal=SIGKILL", unit}));
    stopped += capture_output(systemctl_argv({"stop", unit})).ok ? 1 : 0;
    capture_output(systemctl_argv({"reset-failed", unit}));
  }
  return stopped;
}

bool can_start_own_scope() {
  return booted_with_systemd() && !boost::process::search_path("busctl").empty() && (geteuid() == 0 || has_user_bus());
}

std::string move_into_delegated_scope(const std::string& unit) {
  const auto answer = capture_output(manager_argv(installed("busctl"), {"call",
                                                                        "org.freedesktop.systemd1",
                                                                        "/org/freedesktop/systemd1",
                                                                        "org.freedesktop.systemd1.Manager",
                                                                        "StartTransientUnit",
                                                                        "ssa(sv)a(sa(sv))",
                                                                        unit,
                                                                        "fail",
                                                                        "3",
                                                                        "PIDs",
                                                                        "au",
                                                                        "1",
                                                                        std::to_string(::getpid()),
                                                                        "Delegate",
                                                                        "b",
                                                                        "true",
                                                                        "Description",
                                                                        "s",
                                                                        "orchestrator measuring (its run cgroups)",
                                                                        "0"}));
  if (!answer.ok)
    throw CgroupError(
        "systemd did not make the delegated scope " + unit + " for this process (busctl StartTransientUnit failed" +
        (geteuid() != 0 ? "; a user's manager needs `loginctl enable-linger` outside a login" : "") + ")");
  // The job moves this process a moment later.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < give_up) {
    const auto path = cgroup_files::own_path(cgroup_files::read("/proc/self/cgroup").value_or(""), "");
    if (path && ends_with(*path, "/" + unit)) return *path;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw CgroupError("systemd made the scope " + unit + " but did not move this process into it within 10 s");
}

}  // namespace orch

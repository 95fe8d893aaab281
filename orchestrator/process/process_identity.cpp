// Process identities from /proc (see process_identity.h).
#include "process/process_identity.h"

#include <dirent.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace orch {

std::optional<ProcessStat> read_process_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so the
  // fields are counted from the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string state;
  ProcessStat stat;
  fields >> state >> stat.parent >> stat.group;
  std::string skipped;
  for (int field = 6; field < 22 && fields >> skipped; ++field) {
  }
  if (!(fields >> stat.start_ticks)) return std::nullopt;
  stat.state = state.empty() ? '?' : state[0];
  stat.zombie = state == "Z" || state == "X";
  return stat;
}

ProcessIdentity ProcessIdentity::self() {
  const pid_t pid = ::getpid();
  const auto stat = read_process_stat(pid);
  return {pid, stat ? stat->start_ticks : 0};
}

std::optional<ProcessIdentity> ProcessIdentity::of(pid_t pid) {
  const auto stat = read_process_stat(pid);
  if (!stat || stat->zombie) return std::nullopt;
  return ProcessIdentity{pid, stat->start_ticks};
}

std::optional<ProcessIdentity> ProcessIdentity::parse(const std::string& text) {
  const auto dash = text.find('-');
  const std::string pid_text = text.substr(0, dash);
  const std::string start_text = dash == std::string::npos ? "" : text.substr(dash + 1);
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 19 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(pid_text) || pid_text.size() > 9 || (dash != std::string::npos && !digits(start_text)))
    return std::nullopt;
  ProcessIdentity identity{static_cast<pid_t>(std::stol(pid_text)), start_text.empty() ? 0 : std::stoull(start_text)};
  if (identity.pid <= 0) return std::nullopt;
  return identity;
}

bool ProcessIdentity::alive() const {
  const auto now = of(pid);
  return now && (start_ticks == 0 || now->start_ticks == start_ticks);
}

bool ProcessIdentity::signal(int signal_number) const {
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return false;
  // The pidfd holds the process the pid meant when it was opened; if that is still
  // the one with our start time, the signal reaches it and nothing else.
  const bool same = alive();
  const bool sent = same && ::syscall(SYS_pidfd_send_signal, pidfd, signal_number, nullptr, 0) == 0;
  ::close(pidfd);
  return sent;
}

bool ProcessIdentity::kill() const { return signal(SIGKILL); }

std::string ProcessIdentity::text() const { return std::to_string(pid) + "-" + std::to_string(start_ticks); }

std::string boot_id() {
  std::string id;
  std::getline(std::ifstream("/proc/sys/kernel/random/boot_id"), id);
  return id;
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return pids;
  while (const dirent* entry = ::readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(entry->d_name, &end, 10);
    if (pid > 0 && *end == '\0') pids.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(proc);
  return pids;
}

}  // namespace orch

// The scratch folder and its recovery (see scratch_dir.h).
#include "run/scratch_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <vector>

#include "common/error.h"
#include "common/session.h"
#include "common/text.h"

namespace orch {
namespace {

constexpr const char* kProcesses = "processes";
constexpr const char* kReport = "report.json";
constexpr size_t kMaxRecordsBytes = 1 << 20;

// Kills a recorded run process that still runs, with its process group. When the
// pid is gone, members of a group of that number are its own descendants: the
// kernel gives no new process a pid that is still some process's group. When the
// pid runs with another start time, it is someone else's and nothing is touched.
int kill_recorded(const ProcessIdentity& recorded) {
  const auto now = ProcessIdentity::of(recorded.pid);
  if (now && now->start_ticks != recorded.start_ticks) return 0;
  int killed = 0;
  for (pid_t pid : all_pids()) {
    const auto stat = read_process_stat(pid);
    if (stat && !stat->zombie && (stat->group == recorded.pid || pid == recorded.pid) &&
        ProcessIdentity{pid, stat->start_ticks}.kill())
      ++killed;
  }
  return killed;
}

// What a dead orchestrator's folder recorded: the boot, the owner, the processes.
struct Records {
  bool readable = false;  // both first lines were there
  std::string boot;
  std::string owner;
  std::vector<ProcessIdentity> processes;
};

Records read_records(int folder) {
  Records records;
  const FileText file = read_regular_file(folder, kProcesses, kMaxRecordsBytes);
  std::istringstream lines(file.text.value_or(""));
  std::string boot_word, owner_word;
  records.readable = static_cast<bool>(lines >> boot_word >> records.boot >> owner_word >> records.owner) &&
                     boot_word == "boot" && owner_word == "owner";
  long long pid = 0;
  unsigned long long start = 0;
  while (records.readable && lines >> pid >> start)
    if (pid > 1 && start > 0) records.processes.push_back({static_cast<pid_t>(pid), start});
  return records;
}

// Why no scratch folder may go in `parent` ($TMPDIR): unless it belongs to root or
// to us, and others may write in it only with the sticky bit, another user could
// rename or replace what is in it.
std::optional<std::string> unsafe_parent(const Fd& parent) {
  struct stat st {};
  if (::fstat(parent.get(), &st) != 0) return std::string(std::strerror(errno));
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) return "it belongs to " + user_name(st.st_uid);
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0)
    return "other users may write in it and it has no sticky bit (chmod +t), so they could rename what is in it";
  return std::nullopt;
}

Fd open_scratch_parent() {
  Fd parent = open_folder(scratch_parent(), "the scratch folder's parent ($TMPDIR)");
  if (const auto problem = unsafe_parent(parent))
    throw UserError("the scratch folder's parent " + printable(scratch_parent()) + " ($TMPDIR) is unsafe: " + *problem,
                    "set TMPDIR to a folder such as /tmp (root's, sticky) or one of your own");
  return parent;
}

}  // namespace

std::string scratch_parent() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

void check_scratch_parent() { open_scratch_parent(); }

ScratchDir::ScratchDir(const ProcessIdentity& owner, const std::optional<UserIdentity>& worker_user, Observer& observer)
    : parent_(open_scratch_parent()), observer_(observer) {
  name_ = make_unique_folder(parent_.get(), session_name(owner) + "-", 0711);
  path_ = scratch_parent() + "/" + name_;
  folder_ = Fd(::openat(parent_.get(), name_.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  processes_ = Fd(::openat(folder_.get(), kProcesses, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  // The folder is new and no one else may write in it: these names are ours.
  if (!folder_ || !processes_ ||
      ::dprintf(processes_.get(), "boot %s\nowner %s\n", boot_id().c_str(), owner.text().c_str()) < 0)
    throw UserError("cannot set up the scratch folder " + printable(path_) + ": " + std::strerror(errno),
                    "check TMPDIR");
  if (worker_user) worker_ids_ = std::make_pair(worker_user->uid, worker_user->gid);
}

std::string ScratchDir::prepare_run(const std::string& run_name) const {
  // In this process's folder, where no worker can make the run's folder first.
  if (::mkdirat(folder_.get(), run_name.c_str(), 0700) != 0)
    throw UserError("cannot make the run folder " + printable(path_ + "/" + run_name) + ": " + std::strerror(errno));
  const Fd run(::openat(folder_.get(), run_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!run || ::fchmod(run.get(), 0700) != 0 ||
      (worker_ids_ && ::fchown(run.get(), worker_ids_->first, worker_ids_->second) != 0))
    throw UserError("cannot hand the run folder " + printable(path_ + "/" + run_name) + " to the worker's user");
  return path_ + "/" + run_name + "/" + kReport;
}

ScratchDir::~ScratchDir() {
  if (!remove_tree(parent_.get(), name_)) observer_.on(event::ScratchLeft{path_});
}

FileText ScratchDir::take_report(const std::string& run_name, size_t max_bytes) const {
  const Fd run(::openat(folder_.get(), run_name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  FileText report;
  report.missing = true;
  if (run) report = read_regular_file(run.get(), kReport, max_bytes);
  remove_tree(folder_.get(), run_name);
  return report;
}

void ScratchDir::record_process(pid_t pid) const {
  const auto identity = ProcessIdentity::of(pid);
  if (identity) ::dprintf(processes_.get(), "%d %llu\n", pid, static_cast<unsigned long long>(identity->start_ticks));
}

int recover_dead_scratch_dirs() {
  Fd parent;
  try {
    parent = open_scratch_parent();
  } catch (const UserError&) {
    return 0;  // the ScratchDir that follows says why
  }
  const int listing = ::openat(parent.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* entries = listing >= 0 ? ::fdopendir(listing) : nullptr;
  if (entries == nullptr) return 0;
  std::vector<std::string> dead;
  while (const dirent* entry = ::readdir(entries)) {
    const std::string name = entry->d_name;
    struct stat st {};
    if (name.rfind(kSessionPrefix, 0) != 0 || !left_by_dead_orchestrator(name) ||
        ::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != ::geteuid() || (st.st_mode & 022) != 0)
      continue;  // not a folder an orchestrator of this user made
    dead.push_back(name);
  }
  ::closedir(entries);
  int killed = 0;
  for (const auto& name : dead) {
    Fd folder(::openat(parent.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!folder) continue;
    const Records records = read_records(folder.get());
    // The name says who is dead; the records, who made the folder. A folder renamed
    // to look dead is someone else's, perhaps alive: it is left alone.
    if (records.readable && records.owner != owner_of(name)->text()) continue;
    // After a reboot the processes are gone, and their numbers mean other processes.
    if (records.boot == boot_id())
      for (const auto& process : records.processes) killed += kill_recorded(process);
    remove_tree(parent.get(), name);
  }
  return killed;
}

}  // namespace orch

// The machine-wide measurement lock (see run_lock.h).
#include "run/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "common/error.h"
#include "common/text.h"
#include "process/interrupt.h"

namespace orch {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::milliseconds(200);

std::string seconds(double wait_s) { return std::to_string(static_cast<long long>(wait_s)) + " s"; }

// Whether `others` holds one that went ahead before `mine` (the earlier keeps the slot).
bool earlier_than(const std::vector<MeasuringOrchestrator>& others, int64_t mine) {
  return std::any_of(others.begin(), others.end(), [&](const MeasuringOrchestrator& other) {
    return other.since_ns < mine || (other.since_ns == mine && other.pid < ::getpid());
  });
}

std::string describe(const std::vector<MeasuringOrchestrator>& others) {
  std::vector<std::string> texts;
  for (const auto& other : others) texts.push_back(other.text());
  return join(texts, ", ");
}

}  // namespace

std::string default_lock_path() {
  if (::geteuid() == 0) return "/run/orchestrator.lock";
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime && *runtime == '/') return std::string(runtime) + "/orchestrator.lock";
  return "/tmp/orchestrator-" + std::to_string(::geteuid()) + ".lock";
}

RunLock::RunLock(const std::string& path, double wait_s, bool share_machine, Observer& observer) {
  file_ = open_own_file(open_path(path, "the lock file"), O_RDWR, 0600, true, "the lock file");
  const auto give_up =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait_s));
  bool told = false;
  while (::flock(file_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR)
      throw UserError("cannot lock " + printable(path) + ": " + std::strerror(errno));
    throw_if_stopped("waiting for the lock " + printable(path) + "; nothing was launched");
    if (Clock::now() >= give_up)
      throw UserError("another orchestrator run holds " + printable(path) + " (waited " + seconds(wait_s) +
                          "); two runs never measure at the same time",
                      "wait for it, or raise --lock-wait", kExitLocked);
    if (!told) observer.on(event::Waiting{event::Waiting::For::kLock, path, wait_s});
    told = true;
    std::this_thread::sleep_for(kPoll);
  }
  // Held: the file is this run's to keep private (an existing one kept its mode until now).
  if (struct stat st{}; ::fstat(file_.get(), &st) == 0 && (st.st_mode & 07777) != 0600) ::fchmod(file_.get(), 0600);
  told = false;
  while (true) {
    auto others = measuring_orchestrators();
    if (share_machine) {
      announcement_ = std::make_unique<MeasuringAnnouncement>();
      announcement_->greet(others);
      if (!others.empty()) observer.on(event::MeasuringBeside{describe(others)});
      return;
    }
    if (others.empty()) {
      // Two that looked at the same moment both see nobody; the earlier one stays.
      announcement_ = std::make_unique<MeasuringAnnouncement>();
      others = measuring_orchestrators();
      if (!earlier_than(others, announcement_->since_ns())) {
        announcement_->greet(others);  // a later one that has not backed off yet
        return;
      }
      announcement_.reset();
    }
    throw_if_stopped("waiting for another orchestrator to finish measuring; nothing was launched");
    if (Clock::now() >= give_up)
      throw UserError("another orchestrator is measuring on this machine: " + describe(others) + " (waited " +
                          seconds(wait_s) + "); two never measure at the same time, whatever their --lock",
                      "wait for it, raise --lock-wait, or measure beside it with --share-machine", kExitLocked);
    if (!told) observer.on(event::Waiting{event::Waiting::For::kMachine, describe(others), wait_s});
    told = true;
    std::this_thread::sleep_for(kPoll);
  }
}

std::vector<std::string> RunLock::concurrent_orchestrators() const {
  std::vector<std::string> texts;
  auto add = [&](const std::vector<MeasuringOrchestrator>& others) {
    for (const auto& other : others)
      if (std::find(texts.begin(), texts.end(), other.text()) == texts.end()) texts.push_back(other.text());
  };
  add(announcement_->greeted_by());
  add(measuring_orchestrators());
  return texts;
}

}  // namespace orch

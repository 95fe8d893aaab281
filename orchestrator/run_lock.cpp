// The machine-wide measurement lock (see run_lock.h).
#include "run_lock.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "error.h"

namespace orch {

RunLock::RunLock(const std::string& path, double wait_s) {
  // Read-only is enough for flock, and works on a lock file another user created.
  fd_ = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ >= 0) ::fchmod(fd_, 0644);  // whatever the umask: other users must be able to open it too
  if (fd_ < 0 && errno == EACCES) fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0)
    throw UserError("cannot open the lock file " + path + ": " + std::strerror(errno),
                    "choose another with --lock PATH");
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_s);
  bool told = false;
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR)
      throw UserError("cannot lock " + path + ": " + std::strerror(errno));
    if (std::chrono::steady_clock::now() >= give_up) {
      ::close(fd_);
      fd_ = -1;
      throw UserError("another orchestrator run holds " + path + " (waited " + std::to_string(static_cast<int>(wait_s)) +
                          " s); two runs never measure at the same time",
                      "wait for it, or raise --lock-wait", kExitLocked);
    }
    if (!told) spdlog::info("waiting up to {} s for another orchestrator run to release {}", wait_s, path);
    told = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace orch

// Stop signals: recorded, made readable on a pipe, and nothing else. Each case runs in
// a child process, since the handlers and the recorded signal are the process's own.
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <functional>

#include "process/interrupt.h"

namespace {

// Runs `body` in a child; its return value is the child's exit code.
int in_child(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(body());
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

bool readable(int fd) {
  pollfd watch{fd, POLLIN, 0};
  return ::poll(&watch, 1, 0) == 1 && (watch.revents & POLLIN) != 0;
}

}  // namespace

TEST_CASE("interrupt: before install there is no pipe and no stop", "[interrupt]") {
  CHECK(in_child([] { return orch::stop_signal() == 0 && orch::stop_fd() == -1 ? 0 : 1; }) == 0);
}

TEST_CASE("interrupt: SIGINT, SIGTERM and SIGHUP are recorded and make the pipe readable", "[interrupt]") {
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    INFO("signal " << signal_number);
    CHECK(in_child([signal_number] {
            orch::install_stop_handlers();
            orch::install_stop_handlers();  // idempotent
            if (orch::stop_signal() != 0 || orch::stop_fd() < 0 || readable(orch::stop_fd())) return 1;
            ::raise(signal_number);  // the process survives it: only recorded
            if (orch::stop_signal() != signal_number) return 2;
            return readable(orch::stop_fd()) ? 0 : 3;
          }) == 0);
  }
}

TEST_CASE("interrupt: the first stop signal is the one kept", "[interrupt]") {
  CHECK(in_child([] {
          orch::install_stop_handlers();
          ::raise(SIGTERM);
          ::raise(SIGINT);
          return orch::stop_signal() == SIGTERM ? 0 : 1;
        }) == 0);
}

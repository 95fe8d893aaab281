// The self-pipe behind stop signals (see interrupt.h).
#include "process/interrupt.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>

#include "common/error.h"

namespace orch {
namespace {

std::atomic<int> g_signal{0};
int g_pipe[2] = {-1, -1};

void on_stop(int signal_number) {
  int none = 0;  // the first stop signal is kept: the one that says why runs were aborted
  if (g_signal.compare_exchange_strong(none, signal_number)) (void)!::write(g_pipe[1], "x", 1);
}

}  // namespace

void install_stop_handlers() {
  if (g_pipe[0] >= 0) return;
  if (::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return;
  struct sigaction action {};
  action.sa_handler = on_stop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGHUP, &action, nullptr);  // a closed terminal or session: stop as cleanly
}

int stop_signal() { return g_signal.load(); }

std::string stopped_by_signal() {
  const int signal_number = stop_signal();
  return signal_number == 0 ? "" : "signal " + std::to_string(signal_number);
}

int stop_fd() { return g_pipe[0]; }

void throw_if_stopped(const std::string& doing) {
  if (const std::string why = stopped_by_signal(); !why.empty())
    throw UserError("interrupted by " + why + " while " + doing, {}, kExitInterrupted);
}

}  // namespace orch

// SIGINT, SIGTERM and SIGHUP during `run`. The handler only records the signal and writes a
// byte to a pipe (async-signal-safe); the supervisor watches that pipe to kill the
// worker at once, and the runner stops before the next run.
#pragma once

#include <string>

namespace orch {

void install_stop_handlers();  // idempotent
int stop_signal();             // 0 until SIGINT, SIGTERM or SIGHUP arrived, then that signal
// "" until a stop signal arrived, then "signal N": a ResultStore::StopCheck.
std::string stopped_by_signal();
int stop_fd();  // readable once a stop signal arrived; -1 before install
// Throws UserError(kExitInterrupted) "interrupted by signal N while <doing>" once a
// stop signal arrived.
void throw_if_stopped(const std::string& doing);

}  // namespace orch

// The orchestrator's subcommands. Each validates everything before it launches
// anything, returns an ExitCode, and lets UserError propagate to main().
#pragma once

#include <string>

namespace orch {

int validate_command(const std::string& matrix_path);
int plan_command(const std::string& matrix_path);
struct RunOptions {
  std::string db_path = "results.db";
  bool resume = false;       // go on with the latest interrupted experiment of this matrix
  std::string lock_path = "/tmp/orchestrator.lock";  // machine-wide measurement lock (run_lock.h)
  double lock_wait_s = 600;  // how long to wait for another run to finish
};
int run_command(const std::string& matrix_path, const RunOptions& options);
// Says, for every launcher and for cgroups, whether it is usable here, and if not why
// and what fixes it.
int doctor_command();

}  // namespace orch

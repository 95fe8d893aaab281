// The orchestrator's subcommands. Each validates everything before it launches
// anything, returns an ExitCode, and lets UserError propagate to main().
#pragma once

#include <string>

#include "matrix/matrix.h"

namespace orch {

int validate_command(const std::string& matrix_path, const MatrixOptions& matrix_options);
int plan_command(const std::string& matrix_path, const MatrixOptions& matrix_options);
struct RunOptions {
  std::string db_path = "results.db";
  bool resume = false;         // go on with the latest interrupted experiment of this matrix
  std::string lock_path;       // the measurement lock file (run_lock.h: default_lock_path)
  double lock_wait_s = 600;    // how long to wait for the lock and for others measuring here
  bool share_machine = false;  // measure beside other orchestrators (runs flagged 'concurrent')
};
int run_command(const std::string& matrix_path, const MatrixOptions& matrix_options, const RunOptions& options);
// Says, for every launcher and for cgroups, whether it is usable here, and if not why
// and what fixes it.
int doctor_command();

}  // namespace orch

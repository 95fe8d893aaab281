// The orchestrator's subcommands. Each validates everything before it launches
// anything, returns an ExitCode, and lets UserError propagate to main().
#pragma once

#include <string>

namespace orch {

int validate_command(const std::string& matrix_path);
int plan_command(const std::string& matrix_path);
int run_command(const std::string& matrix_path, const std::string& db_path);

}  // namespace orch

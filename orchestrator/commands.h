// The orchestrator's subcommands. Each validates everything before it launches
// anything, returns an ExitCode, and lets UserError propagate to main().
#pragma once

#include <string>

namespace orch {

int validate_command(const std::string& matrix_path);
int plan_command(const std::string& matrix_path);
int run_command(const std::string& matrix_path, const std::string& db_path);
// Says, for every launcher and for cgroups, whether it is usable here, and if not why
// and what fixes it.
int doctor_command();

}  // namespace orch

// orchestrator: a thin main. Parses the command line, dispatches to a command, and
// is the one place where user and environment errors become a message and an exit code.
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <sys/stat.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"
#include "error.h"
#include "version.h"

namespace {

void add_log_file(const std::string& path) {
  try {
    auto sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(path, 5 << 20, 3);
    spdlog::default_logger()->sinks().push_back(sink);
  } catch (const spdlog::spdlog_ex& e) {
    throw orch::UserError("cannot open the log file " + path + ": " + e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_default_logger(spdlog::stderr_color_mt("orchestrator"));
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");

  CLI::App app{"orchestrator: isolated, repeatable LibTorch inference benchmarks from a YAML matrix"};
  app.set_version_flag("--version", orch::orchestrator_version());
  app.require_subcommand(1);
  std::string matrix_path;
  orch::RunOptions run_options;
  std::string log_level = "info";
  std::string log_file;
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_option("--log-file", log_file, "also log to this file (rotated at 5 MiB, 3 kept)");

  auto* validate = app.add_subcommand("validate", "check a matrix file; launches nothing");
  auto* plan = app.add_subcommand("plan", "print every cell and its exact command; launches nothing");
  auto* run = app.add_subcommand("run", "run every cell and store the results");
  auto* doctor = app.add_subcommand("doctor", "say which launchers and cgroups are usable here, and why not");
  for (auto* command : {validate, plan, run})
    command->add_option("matrix", matrix_path, "the experiment matrix (YAML)")->required();
  run->add_option("--db", run_options.db_path, "results database (SQLite), created if missing")
      ->capture_default_str();
  run->add_flag("--resume", run_options.resume,
                "go on with the latest interrupted experiment of this matrix, skipping stored runs");
  run->add_option("--lock", run_options.lock_path, "machine-wide lock: two runs never measure at once")
      ->capture_default_str();
  run->add_option("--lock-wait", run_options.lock_wait_s, "seconds to wait for another run, then exit 4")
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? orch::kExitOk : orch::kExitUsage;
  }
  spdlog::set_level(spdlog::level::from_str(log_level));
  ::umask(027);  // the DB and the log: readable by the group, nobody else

  try {
    if (!log_file.empty()) add_log_file(log_file);
    if (*validate) return orch::validate_command(matrix_path);
    if (*plan) return orch::plan_command(matrix_path);
    if (*doctor) return orch::doctor_command();
    return orch::run_command(matrix_path, run_options);
  } catch (const orch::UserError& e) {
    std::cerr << "orchestrator: error: " << e.what() << '\n';
    if (!e.hint().empty()) std::cerr << "  hint: " << e.hint() << '\n';
    return e.exit_code();
  } catch (const std::exception& e) {
    // Not a user error, so a bug or an environment failure nothing anticipated. The
    // stack has unwound: cgroups, containers and the scratch folder are gone.
    std::cerr << "orchestrator: internal error: " << e.what() << '\n';
    return orch::kExitError;
  }
}

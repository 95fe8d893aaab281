// User and environment errors: the one exception type that main() turns into
// "orchestrator: error: ..." plus a hint and a non-zero exit. Failed *runs* are not
// errors: they are stored as results (see run_record.h).
#pragma once

#include <stdexcept>
#include <string>

namespace orch {

// A place in an input file; line and column are 1-based, 0 when unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  std::string to_string() const;  // "file:line:column"
};

// Process exit codes, documented in the README.
enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,         // invalid input or environment; nothing was launched
  kExitUsage = 2,         // bad command line
  kExitRunsFailed = 3,    // the matrix completed, but some runs did not succeed
  kExitLocked = 4,        // another run held the measurement lock past --lock-wait
  kExitRegression = 5,    // compare --fail-on-regression: some cell got slower
  kExitInterrupted = 130  // SIGINT/SIGTERM: the current run was stored as aborted
};

class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string& what, std::string hint = {}, int exit_code = kExitError)
      : std::runtime_error(what), hint_(std::move(hint)), exit_code_(exit_code) {}
  UserError(const SourceLocation& where, const std::string& what, std::string hint = {})
      : std::runtime_error(where.to_string() + ": " + what), hint_(std::move(hint)) {}

  const std::string& hint() const { return hint_; }
  int exit_code() const { return exit_code_; }

 private:
  std::string hint_;
  int exit_code_ = kExitError;
};

}  // namespace orch

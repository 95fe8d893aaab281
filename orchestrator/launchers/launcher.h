// How a cell's worker is started: one implementation per isolation method, each in
// its own file, all created once by Launchers.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "matrix.h"
#include "worker_command.h"

namespace orch {

// What to execute: argv[0] is an absolute path; env is added to the worker's
// environment (the supervisor removes inherited thread variables first).
struct LaunchCommand {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
};

// Why a launcher cannot honour a cell here, and which setting is at fault.
struct Refusal {
  std::string setting;
  std::string reason;
  std::string hint;
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  virtual std::optional<Refusal> refuse(const CellSettings& settings) const = 0;
  virtual LaunchCommand command(const CellSettings& settings,
                                const std::vector<std::string>& worker_argv) const = 0;
};

std::unique_ptr<Launcher> make_host_launcher();
std::unique_ptr<Launcher> make_taskset_launcher();

// Every launcher, created once.
class Launchers {
 public:
  Launchers();
  const Launcher& get(LauncherKind kind) const;
  // The whole command for one run of a cell: its launcher wrapped around the worker.
  LaunchCommand command(const Experiment& experiment, const Cell& cell,
                        const RunArguments& run = {}) const;
  // Rejects the first cell some launcher refuses, naming the setting's file:line:column.
  void validate(const Experiment& experiment) const;

 private:
  std::map<LauncherKind, std::unique_ptr<Launcher>> launchers_;
};

}  // namespace orch

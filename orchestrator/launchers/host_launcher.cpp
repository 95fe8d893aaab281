// The `host` launcher: the worker as a plain child process, no isolation, no limits.
#include "launchers/launcher.h"

namespace orch {
namespace {

class HostLauncher final : public Launcher {
 public:
  std::optional<Refusal> refuse(const CellSettings& settings) const override {
    if (!settings.cpuset.empty())
      return Refusal{"cpuset", "launcher host cannot restrict CPUs",
                     "use launcher: taskset for a cpuset"};
    return std::nullopt;
  }

  LaunchCommand command(const CellSettings& settings,
                        const std::vector<std::string>& worker_argv) const override {
    return {worker_argv, settings.env};
  }
};

}  // namespace

std::unique_ptr<Launcher> make_host_launcher() { return std::make_unique<HostLauncher>(); }

}  // namespace orch

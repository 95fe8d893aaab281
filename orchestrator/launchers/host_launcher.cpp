// The `host` launcher: the worker as a plain child process, no isolation, no limits.
#include "launchers/launcher.h"

namespace orch {
namespace {

class HostLauncher final : public Launcher {
 public:
  std::vector<std::string> applies() const override { return {}; }
  std::optional<Refusal> refuse(const CellSettings&) const override { return std::nullopt; }

  LaunchCommand command(const CellSettings& settings, const WorkerSettings& worker,
                        const RunArguments& run) const override {
    return {worker_argv(worker, settings, run), settings.env, worker_credentials(worker)};
  }
};

}  // namespace

std::unique_ptr<Launcher> make_host_launcher() { return std::make_unique<HostLauncher>(); }

}  // namespace orch

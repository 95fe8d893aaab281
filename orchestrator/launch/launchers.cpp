// Creates each launcher once and checks every cell against its launcher (see launcher.h).
#include <unistd.h>

#include <algorithm>

#include "common/text.h"
#include "launch/launcher.h"
#include "launch/systemd_units.h"
#include "matrix/settings.h"

namespace orch {

std::vector<Setting> settings_given(const CellSettings& settings) {
  std::vector<Setting> given;
  for (const auto& setting : settings_table())
    if (setting.launcher_applied && is_given(setting.id, settings)) given.push_back(setting.id);
  return given;
}

std::vector<std::string> worker_environment_argv(const std::string& env_program, const WorkerSettings& worker,
                                                 const CellSettings& settings) {
  std::map<std::string, std::string> variables = settings.env;
  std::vector<std::string> argv;
  if (worker.user) {
    argv = {env_program, "-i"};
    variables = base_environment(worker_credentials(worker));
    for (const auto& [name, value] : settings.env) variables[name] = value;
  } else if (!variables.empty()) {
    argv = {env_program, "--"};
  }
  for (const auto& [name, value] : variables) argv.push_back(name + "=" + value);
  return argv;
}

std::optional<Refusal> refuse_program_for_env(const std::string& launcher, const CellSettings& settings) {
  if (settings.program.find('=') == std::string::npos) return std::nullopt;
  return Refusal{Setting::kProgram,
                 "launcher " + launcher +
                     " starts the worker through env(1), which would take a program path with '=' "
                     "in it for a variable",
                 "move or link the worker program to a path without '='"};
}

Launchers::Launchers(std::unique_ptr<CgroupSystem> cgroups) : cgroups_(std::move(cgroups)) {
  find_user_manager();
  launchers_[LauncherKind::kHost] = make_host_launcher(*cgroups_);
  launchers_[LauncherKind::kTaskset] = make_taskset_launcher(*cgroups_);
  launchers_[LauncherKind::kCgroup] = make_cgroup_launcher(*cgroups_);
  launchers_[LauncherKind::kUnshare] = make_unshare_launcher(*cgroups_);
  launchers_[LauncherKind::kSystemdRun] = make_systemd_run_launcher();
  launchers_[LauncherKind::kDocker] = make_docker_launcher();
}

Launchers::~Launchers() = default;

const Launcher& Launchers::get(LauncherKind kind) const { return *launchers_.at(kind); }

LaunchCommand Launchers::command(const Experiment& experiment, const Cell& cell, const RunArguments& run) const {
  return get(cell.settings.launcher).command(cell.settings, experiment.worker, run);
}

std::vector<std::string> Launchers::quoted_commands(const Experiment& experiment) const {
  std::vector<std::string> commands;
  for (const auto& cell : experiment.cells) commands.push_back(quote_command(command(experiment, cell).argv));
  return commands;
}

namespace {

// A setting the cell gives that its launcher does not apply.
std::optional<Refusal> unsupported_setting(const Launcher& launcher, const std::string& name,
                                           const CellSettings& settings, const Launchers& all) {
  const auto applies = launcher.applies();
  for (const auto& setting : settings_given(settings)) {
    if (std::find(applies.begin(), applies.end(), setting) != applies.end()) continue;
    std::vector<std::string> able;
    for (size_t kind = 0; kind < launcher_names().size(); ++kind) {
      const auto other_applies = all.get(static_cast<LauncherKind>(kind)).applies();
      if (std::find(other_applies.begin(), other_applies.end(), setting) != other_applies.end())
        able.push_back(launcher_names()[kind]);
    }
    return Refusal{setting, "launcher " + name + " cannot apply " + setting_info(setting).key,
                   "launchers that can: " + join(able, ", ")};
  }
  return std::nullopt;
}

// Whether the cell's whole command, env included, fits what execve takes here.
// (Per run the command also carries a spawn timestamp, a report path and a run
// name longer than plan's placeholders: kPerRunBytes allows for them.)
std::optional<Refusal> too_large_for_exec(const LaunchCommand& launch) {
  constexpr size_t kPerRunBytes = 4096;
  const ExecSize size = exec_size(launch.argv, launch.env, launch.run_as);
  const auto limit = static_cast<size_t>(::sysconf(_SC_ARG_MAX));
  if (size.longest_string_bytes > kMaxArgumentBytes)
    return Refusal{Setting::kEnv, "one of its arguments or variables takes " +
                                      std::to_string(size.longest_string_bytes) +
                                      " bytes, more than the kernel passes in one (MAX_ARG_STRLEN " +
                                      std::to_string(kMaxArgumentBytes) + ")"};
  if (size.total_bytes + kPerRunBytes > limit)
    return Refusal{Setting::kEnv,
                   "its command and environment take " + std::to_string(size.total_bytes) +
                       " bytes, more than this system lets a program be given (ARG_MAX " + std::to_string(limit) + ")",
                   "shorten the cell's env, or unset large variables in the orchestrator's own environment"};
  return std::nullopt;
}

}  // namespace

int Launchers::prepare(const Experiment& experiment) const {
  // Whatever this experiment uses: a dead orchestrator's containers still run.
  int removed = cgroups_->remove_dead_sessions();
  for (const auto& [kind, launcher] : launchers_) removed += launcher->remove_leftovers();
  if (std::any_of(experiment.cells.begin(), experiment.cells.end(),
                  [&](const Cell& cell) { return get(cell.settings.launcher).uses_cgroups(cell.settings); }))
    cgroups_->prepare_session();
  return removed;
}

void Launchers::validate(const Experiment& experiment) const {
  for (const auto& cell : experiment.cells) {
    const Launcher& launcher = get(cell.settings.launcher);
    auto refusal = unsupported_setting(launcher, launcher_name(cell.settings.launcher), cell.settings, *this);
    if (!refusal && cell.settings.on_gpu() && !launcher.reaches_gpus())
      refusal = Refusal{Setting::kDevice,
                        "launcher " + launcher_name(cell.settings.launcher) + " gives its worker no GPU, so device '" +
                            cell.settings.device + "' cannot run in it",
                        "GPU cells need launcher host, taskset, cgroup or unshare"};
    if (!refusal && cell.origins.count(Setting::kProgram) && !launcher.runs_host_programs())
      refusal = Refusal{Setting::kProgram,
                        "launcher " + launcher_name(cell.settings.launcher) + " runs its image's bundled worker, not " +
                            cell.settings.program,
                        "compare other workers with a launcher that runs host programs"};
    if (!refusal) refusal = launcher.refuse(cell.settings, experiment.worker);
    if (!refusal) refusal = too_large_for_exec(command(experiment, cell));
    if (!refusal) continue;
    throw UserError(origin_of(experiment, cell, refusal->setting),
                    "cell " + std::to_string(cell.index + 1) + " (" + cell.label + "): " + refusal->reason,
                    refusal->hint);
  }
}

}  // namespace orch

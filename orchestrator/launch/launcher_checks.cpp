// `doctor`'s look at the launchers (see launcher_checks.h).
#include "launch/launcher_checks.h"

#include <algorithm>

#include "matrix/settings.h"
#include "matrix/yaml_reader.h"

namespace orch {

std::vector<LauncherCheck> check_launchers(const Launchers& launchers, const std::string& worker_program) {
  const YamlReader examples("the settings table");
  const WorkerSettings default_settings;  // the worker as a matrix gives it when it says nothing
  std::vector<LauncherCheck> checks;
  for (size_t kind = 0; kind < launcher_names().size(); ++kind) {
    LauncherCheck& check = checks.emplace_back();
    check.name = launcher_names()[kind];
    const Launcher& launcher = launchers.get(static_cast<LauncherKind>(kind));
    std::vector<Setting> applied = launcher.applies();
    for (;;) {
      CellSettings settings;
      settings.program = worker_program;
      for (const Setting setting : applied)
        read_setting(setting, examples, YAML::Load(setting_info(setting).example), settings);
      check.refusal = launcher.refuse(settings, default_settings);
      const auto at_fault =
          check.refusal ? std::find(applied.begin(), applied.end(), check.refusal->setting) : applied.end();
      if (at_fault == applied.end()) break;
      check.left_out.push_back(setting_info(*at_fault).key + " (" + check.refusal->reason + ")");
      applied.erase(at_fault);
    }
    for (const Setting setting : applied) check.applies.push_back(setting_info(setting).key);
  }
  return checks;
}

}  // namespace orch

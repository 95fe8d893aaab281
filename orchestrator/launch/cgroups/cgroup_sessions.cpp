// Session folders of orchestrators that died, for both backends (see cgroup.h).
#include <filesystem>

#include "common/session.h"
#include "launch/cgroups/cgroup.h"
#include "launch/cgroups/cgroup_files.h"

namespace orch {

int remove_dead_cgroup_sessions(const std::string& own_dir) {
  namespace fs = std::filesystem;
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(own_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || name.rfind(kSessionPrefix, 0) != 0 || !left_by_dead_orchestrator(name)) continue;
    for (const auto& group : fs::directory_iterator(entry.path(), ec)) {
      if (!group.is_directory()) continue;
      cgroup_files::kill_tasks(group.path().string() + "/cgroup.procs");
      cgroup_files::remove_dir(group.path().string());
    }
    if (cgroup_files::remove_dir(entry.path().string())) ++removed;
  }
  return removed;
}

}  // namespace orch

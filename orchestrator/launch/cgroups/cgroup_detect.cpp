// Picks the cgroup backend once (see cgroup.h).
#include <unistd.h>

#include <sstream>

#include "launch/cgroups/cgroup.h"
#include "launch/cgroups/cgroup_files.h"
#include "launch/systemd_units.h"

namespace orch {
namespace {

// Stands in where neither version is usable; says why.
class NoCgroups final : public CgroupSystem {
 public:
  explicit NoCgroups(std::string reason) : reason_(std::move(reason)) {}
  int version() const override { return 0; }
  std::string description() const override { return "unusable: " + reason_; }
  std::optional<std::string> unusable_reason() const override { return reason_; }
  void prepare_session() override { throw CgroupError(reason_); }
  std::unique_ptr<RunCgroup> create(const std::string&, const CgroupLimits&) override { throw CgroupError(reason_); }
  int remove_dead_sessions() override { return 0; }

 private:
  std::string reason_;
};

}  // namespace

CgroupHost CgroupHost::real() {
  return {cgroup_files::read("/proc/self/mounts").value_or(""), cgroup_files::read("/proc/self/cgroup").value_or(""),
          ProcessIdentity::self(), can_start_own_scope()};
}

std::unique_ptr<CgroupSystem> detect_cgroups(const CgroupHost& host) {
  const auto mounts = cgroup_files::cgroup_mounts(host.mounts_text);
  const bool has_v1_memory = mounts.v1.count("memory") > 0;
  std::string v2_mount;
  for (const auto& mount_point : mounts.v2) {
    auto controllers = cgroup_files::read(mount_point + "/cgroup.controllers").value_or("");
    if (controllers.find("memory") != std::string::npos) v2_mount = mount_point;
  }
  if (has_v1_memory) return make_cgroup_v1(host);
  if (!v2_mount.empty()) return make_cgroup_v2(v2_mount, host);
  return std::make_unique<NoCgroups>("no cgroup hierarchy with the memory controller is mounted (neither v1 nor v2)");
}

}  // namespace orch

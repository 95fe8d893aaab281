// A process's own limits, read from inside, against fake cgroup v1 and v2 trees: the
// tightest quota and memory limit on the way up, and the effective CPUs.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "protocol/cgroup_probe.h"
#include "test_support.h"

namespace fs = std::filesystem;

namespace {

void put(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text << "\n";
}

}  // namespace

TEST_CASE("fake cgroup v1 tree: the tightest limit above the process counts", "[cgroup-probe]") {
  test::TempDir root;
  const fs::path cpu = root.path() / "cpu,cpuacct", memory = root.path() / "memory", cpuset = root.path() / "cpuset";
  // The parent allows 150% and 1 GiB; the process's own group 300% and unlimited.
  put(cpu / "batch" / "cpu.cfs_quota_us", "150000");
  put(cpu / "batch" / "cpu.cfs_period_us", "100000");
  put(cpu / "batch" / "run" / "cpu.cfs_quota_us", "300000");
  put(cpu / "batch" / "run" / "cpu.cfs_period_us", "100000");
  put(memory / "batch" / "memory.limit_in_bytes", "1073741824");
  put(memory / "batch" / "run" / "memory.limit_in_bytes", "9223372036854771712");
  put(cpuset / "batch" / "run" / "cpuset.cpus", "0-1");
  const std::string mounts = "cgroup " + cpu.string() + " cgroup rw,cpu,cpuacct 0 0\n" + "cgroup " + memory.string() +
                             " cgroup rw,memory 0 0\n" + "cgroup " + cpuset.string() + " cgroup rw,cpuset 0 0\n";
  const std::string self = "4:memory:/batch/run\n3:cpu,cpuacct:/batch/run\n2:cpuset:/batch/run\n";
  const auto limits = protocol::probe_limits(self, mounts);
  CHECK(limits.version == 1);
  CHECK(limits.path == "/batch/run");
  REQUIRE(limits.cpu_quota_percent);
  CHECK(*limits.cpu_quota_percent == Approx(150));
  CHECK(limits.memory_limit_bytes == int64_t{1} << 30);
  CHECK(limits.cpus == "0-1");
}

TEST_CASE("fake cgroup v2 tree: cpu.max and memory.max up to the root, 'max' is no limit", "[cgroup-probe]") {
  test::TempDir root;
  const fs::path group = root.path() / "system.slice" / "run-1.scope";
  put(root.path() / "system.slice" / "cpu.max", "max 100000");
  put(root.path() / "system.slice" / "memory.max", "536870912");
  put(group / "cpu.max", "50000 100000");
  put(group / "memory.max", "max");
  put(group / "cpuset.cpus.effective", "0");
  const auto limits =
      protocol::probe_limits("0::/system.slice/run-1.scope\n", "cgroup2 " + root.path().string() + " cgroup2 rw 0 0\n");
  CHECK(limits.version == 2);
  CHECK(limits.path == "/system.slice/run-1.scope");
  REQUIRE(limits.cpu_quota_percent);
  CHECK(*limits.cpu_quota_percent == Approx(50));
  CHECK(limits.memory_limit_bytes == int64_t{512} << 20);
  CHECK(limits.cpus == "0");
}

TEST_CASE("no cgroup hierarchy: version 0 and no limits", "[cgroup-probe]") {
  const auto limits = protocol::probe_limits("", "proc /proc proc rw 0 0\n");
  CHECK(limits.version == 0);
  CHECK_FALSE(limits.cpu_quota_percent);
  CHECK_FALSE(limits.memory_limit_bytes);
}

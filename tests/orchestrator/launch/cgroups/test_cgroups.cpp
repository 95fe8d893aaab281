// cgroups: v1 for real on this machine kind (root, cgroup v1), v2 against a fake
// cgroupfs tree (no v2 hierarchy with controllers exists here).
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "common/session.h"
#include "launch/cgroups/cgroup.h"
#include "launch/cgroups/cgroup_files.h"
#include "process/supervisor.h"
#include "test_support.h"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) { return orch::cgroup_files::read(path.string()).value_or("<missing>"); }

void put(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// The real cgroup v1 backend, or a skip with the reason.
std::unique_ptr<orch::CgroupSystem> real_v1() {
  auto cgroups = orch::detect_cgroups();
  if (cgroups->version() != 1)
    test::skip("needs cgroup v1 with write access: " + cgroups->unusable_reason().value_or("this host has v2"));
  return cgroups;
}

orch::ProcessOutcome run_in(orch::RunCgroup& group, const std::string& script, double timeout_s) {
  return orch::run_process({{"/bin/sh", "-c", script}, {}, timeout_s, group.procs_files(), {}});
}

// A `sleep 30` child of this process, outside any run.
pid_t spawn_sleeper() {
  char sleep_path[] = "/bin/sleep";
  char seconds[] = "30";
  char* argv[] = {sleep_path, seconds, nullptr};
  pid_t pid = -1;
  REQUIRE(::posix_spawn(&pid, sleep_path, nullptr, nullptr, argv, environ) == 0);
  return pid;
}

}  // namespace

TEST_CASE("fake cgroup v2 tree: a run group gets cpu.max, cpuset, memory.max and no swap", "[cgroup][fake-v2]") {
  test::TempDir root;
  const fs::path own = root.path() / "user.slice" / "bench.scope";
  fs::create_directories(own);
  put(own / "cgroup.controllers", "cpuset cpu io memory pids");
  put(own / "cgroup.subtree_control", "");
  const orch::CgroupHost host{
      "cgroup2 " + root.path().string() + " cgroup2 rw,nosuid 0 0\n", "0::/user.slice/bench.scope\n", {4242, 7}};
  auto cgroups = orch::make_cgroup_v2(root.path().string(), host);
  REQUIRE(cgroups->version() == 2);

  const fs::path session = own / "orchestrator-4242-7";
  const fs::path run_dir = session / "run-1";
  fs::create_directories(run_dir);  // the kernel would make these files with the folder
  put(run_dir / "memory.swap.max", "max");
  put(run_dir / "cgroup.kill", "");
  auto group = cgroups->create("run-1", {150.0, {0, 1}, int64_t(256) << 20});
  CHECK(group->path() == "/user.slice/bench.scope/orchestrator-4242-7/run-1");
  CHECK(group->procs_files() == std::vector<std::string>{(run_dir / "cgroup.procs").string()});
  CHECK(slurp(run_dir / "cpu.max") == "150000 100000");
  CHECK(slurp(run_dir / "cpuset.cpus") == "0-1");
  CHECK(slurp(run_dir / "memory.max") == "268435456");
  CHECK(slurp(run_dir / "memory.swap.max") == "0");
  // The orchestrator left its own group so that controllers can be delegated below it.
  CHECK(slurp(session / "supervisor" / "cgroup.procs") == "4242");
  CHECK(slurp(own / "cgroup.subtree_control") == "+cpu +cpuset +memory");
  CHECK(slurp(session / "cgroup.subtree_control") == "+cpu +cpuset +memory");

  put(run_dir / "cpu.stat",
      "usage_usec 900000\nuser_usec 800000\nsystem_usec 100000\nnr_periods 30\nnr_throttled 12\nthrottled_usec "
      "450000\n");
  put(run_dir / "memory.peak", "123456789");
  put(run_dir / "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  put(run_dir / "cpuset.cpus.effective", "0-1");
  const auto r = group->read();
  CHECK(r.cpu_quota_percent == Approx(150));
  CHECK(r.cpus == "0-1");
  CHECK(r.memory_limit_bytes == (int64_t(256) << 20));
  CHECK(r.nr_throttled == 12);
  CHECK(r.throttled_ms == Approx(450));
  CHECK(r.cpu_usage_ms == Approx(900));
  CHECK(r.memory_peak_bytes == 123456789);
  CHECK(r.oom_kills == 1);

  group->kill_all();
  CHECK(slurp(run_dir / "cgroup.kill") == "1");
  for (const auto& file : fs::directory_iterator(run_dir)) fs::remove(file);  // as the kernel would
  group.reset();
  CHECK_FALSE(fs::exists(run_dir));
}

TEST_CASE("fake cgroup v2 tree: missing controllers make cgroups unusable, with the fix", "[cgroup][fake-v2]") {
  test::TempDir root;
  put(root.path() / "cgroup.controllers", "hugetlb");
  const orch::CgroupHost host{"cgroup2 " + root.path().string() + " cgroup2 rw 0 0\n", "0::/\n", {1, 1}};
  auto detected = orch::detect_cgroups(host);
  CHECK(detected->version() == 0);
  auto v2 = orch::make_cgroup_v2(root.path().string(), host);
  CHECK_THAT(v2->unusable_reason().value_or(""),
             Catch::Contains("'memory' is not available") && Catch::Contains("Delegate=yes"));
  CHECK_THROWS_AS(v2->create("run", {}), orch::CgroupError);
}

TEST_CASE("fake cgroup v2 tree: a controller not delegated refuses only the limits that need it", "[cgroup][fake-v2]") {
  test::TempDir root;
  const fs::path own = root.path() / "user.slice" / "user-1000.slice" / "user@1000.service" / "app.slice" / "x.scope";
  fs::create_directories(own);
  put(own / "cgroup.controllers", "cpu memory pids");  // systemd's default for user@.service: no cpuset
  const orch::CgroupHost host{"cgroup2 " + root.path().string() + " cgroup2 rw 0 0\n",
                              "0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope\n",
                              {4242, 7}};
  auto cgroups = orch::make_cgroup_v2(root.path().string(), host);
  REQUIRE(cgroups->version() == 2);
  CHECK_FALSE(cgroups->cannot_apply({150.0, {}, int64_t(1) << 30}));
  CHECK_THAT(cgroups->cannot_apply({{}, {0}, {}}).value_or(""), Catch::Contains("'cpuset' is not available"));
  CHECK_THROWS_AS(cgroups->create("run-1", {{}, {0}, {}}), orch::CgroupError);
  auto group = cgroups->create("run-2", {150.0, {}, int64_t(1) << 30});
  CHECK(slurp(own / "cgroup.subtree_control") == "+cpu +memory");
  CHECK_THAT(cgroups->description(), Catch::Contains("cgroup v2 (cpu memory)"));
}

TEST_CASE("fake cgroup v2 tree: a shared cgroup on a systemd host asks for a delegated scope", "[cgroup][fake-v2]") {
  test::TempDir root;
  put(root.path() / "cgroup.controllers", "cpuset cpu io memory pids");
  const fs::path own = root.path() / "system.slice" / "cron.service";
  fs::create_directories(own);
  put(own / "cgroup.controllers", "memory pids");
  put(own / "cgroup.procs", "300\n4242\n");  // cron and the orchestrator
  const std::string mounts = "cgroup2 " + root.path().string() + " cgroup2 rw 0 0\n";
  const orch::CgroupHost without_systemd{mounts, "0::/system.slice/cron.service\n", {4242, 7}};
  CHECK_THAT(orch::make_cgroup_v2(root.path().string(), without_systemd)->unusable_reason().value_or(""),
             Catch::Contains("also holds process 300"));
  orch::CgroupHost with_systemd = without_systemd;
  with_systemd.systemd_scopes = true;
  auto cgroups = orch::make_cgroup_v2(root.path().string(), with_systemd);
  CHECK(cgroups->version() == 2);
  CHECK_THAT(cgroups->description(), Catch::Contains("cgroup v2 (cpu cpuset memory)") &&
                                         Catch::Contains("a delegated scope systemd makes for each orchestrator"));
  CHECK_FALSE(cgroups->cannot_apply({150.0, {0}, int64_t(1) << 30}));
}

TEST_CASE("a process's own cgroup path is read for each controller", "[cgroup]") {
  const std::string self = "12:memory:/a/b\n4:cpu,cpuacct:/c\n0::/unified/d\n";
  CHECK(orch::cgroup_files::own_path(self, "memory") == "/a/b");
  CHECK(orch::cgroup_files::own_path(self, "cpuacct") == "/c");
  CHECK(orch::cgroup_files::own_path(self, "") == "/unified/d");
  CHECK_FALSE(orch::cgroup_files::own_path(self, "cpuset"));
}

TEST_CASE("cgroup v1: a quota really throttles a busy process", "[cgroup][root]") {
  auto cgroups = real_v1();
  auto group = cgroups->create("test-quota", {30.0, {}, std::nullopt});
  auto outcome = run_in(*group, "while :; do :; done", 1.5);
  CHECK(outcome.timed_out);
  const auto r = group->read();
  CHECK(r.cpu_quota_percent == Approx(30));
  REQUIRE(r.nr_throttled);
  CHECK(*r.nr_throttled > 0);
  CHECK(r.throttled_ms.value_or(0) > 0);
  // CPU time is about quota x wall: 30% of ~1.5 s.
  const double cpu_ms = outcome.usage.user_cpu_ms + outcome.usage.sys_cpu_ms;
  CHECK(cpu_ms == Approx(0.30 * outcome.wall_ms).epsilon(0.35));
  CHECK(r.cpu_usage_ms.value_or(0) == Approx(0.30 * outcome.wall_ms).epsilon(0.35));
}

TEST_CASE("cgroup v1: a memory limit OOM-kills an allocating process", "[cgroup][root]") {
  auto cgroups = real_v1();
  auto group = cgroups->create("test-oom", {std::nullopt, {}, int64_t(32) << 20});
  // tail -n 1 holds a whole newline-free line in memory: 200 MB against a 32 MB limit.
  auto outcome = run_in(*group, "head -c 200000000 /dev/zero | tail -n 1 >/dev/null", 60);
  CHECK_FALSE(outcome.timed_out);
  const auto r = group->read();
  CHECK(r.memory_limit_bytes == (int64_t(32) << 20));
  CHECK(r.oom_kills.value_or(0) >= 1);
  CHECK(outcome.exit_code != 0);
}

TEST_CASE("cgroup v1: a cpuset pins, and groups and session are removed afterwards", "[cgroup][root]") {
  std::string session_cpuset;
  {
    auto cgroups = real_v1();
    auto group = cgroups->create("test-cpuset", {std::nullopt, {0}, std::nullopt});
    auto outcome = run_in(*group, "grep Cpus_allowed_list /proc/self/status", 10);
    CHECK(outcome.stdout_tail == "Cpus_allowed_list:\t0\n");
    const std::string own = orch::cgroup_files::own_path(orch::CgroupHost::real().self_cgroup_text, "cpuset").value();
    session_cpuset =
        "/sys/fs/cgroup/cpuset" + (own == "/" ? "" : own) + "/" + orch::session_name(orch::ProcessIdentity::self());
    CHECK(fs::exists(session_cpuset + "/test-cpuset"));
    // A task still inside when the group goes is killed first. It is put there by
    // hand: one started through the supervisor would be gone with its run already.
    const pid_t straggler = spawn_sleeper();
    for (const auto& procs : group->procs_files()) put(procs, std::to_string(straggler));
    REQUIRE(::kill(straggler, 0) == 0);
    group.reset();
    int status = 0;
    REQUIRE(::waitpid(straggler, &status, 0) == straggler);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    CHECK_FALSE(fs::exists(session_cpuset + "/test-cpuset"));
  }
  CHECK_FALSE(fs::exists(session_cpuset));
}

TEST_CASE("fake cgroup v2 tree: the session is set up before the first run group", "[cgroup][fake-v2]") {
  test::TempDir root;
  put(root.path() / "cgroup.controllers", "cpuset cpu memory");
  put(root.path() / "cgroup.subtree_control", "");
  const orch::CgroupHost host{"cgroup2 " + root.path().string() + " cgroup2 rw 0 0\n", "0::/bench\n", {77, 5}};
  fs::create_directories(root.path() / "bench");
  put(root.path() / "bench" / "cgroup.controllers", "cpuset cpu memory");
  auto cgroups = orch::make_cgroup_v2(root.path().string(), host);
  REQUIRE(cgroups->version() == 2);
  cgroups->prepare_session();
  CHECK(slurp(root.path() / "bench" / "orchestrator-77-5" / "supervisor" / "cgroup.procs") == "77");
  CHECK(slurp(root.path() / "bench" / "orchestrator-77-5" / "cgroup.subtree_control") == "+cpu +cpuset +memory");
  cgroups->prepare_session();  // once is enough; again changes nothing
  CHECK(slurp(root.path() / "bench" / "orchestrator-77-5" / "supervisor" / "cgroup.procs") == "77");
}

TEST_CASE("cgroup v1: the session is made before any run and goes with the backend", "[cgroup][root]") {
  const std::string own = orch::cgroup_files::own_path(orch::CgroupHost::real().self_cgroup_text, "cpu").value_or("/");
  const std::string session =
      "/sys/fs/cgroup/cpu" + (own == "/" ? "" : own) + "/" + orch::session_name(orch::ProcessIdentity::self());
  {
    auto cgroups = real_v1();
    CHECK_FALSE(fs::exists(session));
    cgroups->prepare_session();
    CHECK(fs::exists(session));
    // The kernel's files only: no run group yet.
    CHECK(std::none_of(fs::directory_iterator(session), fs::directory_iterator(),
                       [](const auto& entry) { return entry.is_directory(); }));
  }
  CHECK_FALSE(fs::exists(session));
}

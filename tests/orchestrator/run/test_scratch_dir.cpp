// The scratch folder: report files read safely, and the recovery of what a dead
// orchestrator recorded.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/session.h"
#include "process/process_identity.h"
#include "recording_observer.h"
#include "run/scratch_dir.h"
#include "test_support.h"

namespace fs = std::filesystem;

namespace {

// Sets $TMPDIR for the test, and puts it back after.
struct TmpdirFor {
  explicit TmpdirFor(const std::string& path) { ::setenv("TMPDIR", path.c_str(), 1); }
  ~TmpdirFor() { ::unsetenv("TMPDIR"); }
};

}  // namespace

TEST_CASE("a scratch folder is root's, each run's folder the worker's and fresh, and all go", "[scratch]") {
  test::TempDir tmp;
  const TmpdirFor tmpdir(tmp.path());
  std::string path;
  test::RecordingObserver observer;
  {
    const orch::ScratchDir scratch(orch::ProcessIdentity::self(), std::nullopt, observer);
    const fs::path report = scratch.prepare_run("r");
    path = report.parent_path().parent_path();
    CHECK((fs::status(path).permissions() & fs::perms::all) == fs::perms(0711));
    CHECK((fs::status(report.parent_path()).permissions() & fs::perms::all) == fs::perms(0700));
    std::ofstream(report) << "{}";
    CHECK(scratch.take_report("r", 100).text == "{}");
    CHECK_FALSE(fs::exists(report.parent_path()));  // taken, with its folder
    CHECK(scratch.take_report("r", 100).missing);
    // A run's folder is made fresh: one that exists already (a worker's doing) is refused.
    fs::create_directory(path + "/squatted");
    CHECK_THROWS(scratch.prepare_run("squatted"));
  }
  CHECK_FALSE(fs::exists(path));
  CHECK(observer.events.empty());  // removed whole: nothing to tell
}

TEST_CASE(
    "security: a dead orchestrator's processes are killed by the owner recorded inside its folder, not by its name",
    "[scratch][security]") {
  test::TempDir tmp;
  const TmpdirFor tmpdir(tmp.path());
  const pid_t run = ::fork();  // stands for a run process that a dead orchestrator left
  REQUIRE(run >= 0);
  if (run == 0) {
    ::execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto recorded = orch::ProcessIdentity::of(run);
  REQUIRE(recorded);
  const auto self = orch::ProcessIdentity::self();
  const orch::ProcessIdentity dead{self.pid, self.start_ticks + 1};  // no process has this identity
  const fs::path folder = tmp.path() / (orch::session_name(dead) + "-AbCdEf");
  fs::create_directory(folder);
  fs::permissions(folder, fs::perms(0711));
  auto write_records = [&](const orch::ProcessIdentity& owner) {
    std::ofstream(folder / "processes") << "boot " << orch::boot_id() << "\nowner " << owner.text() << "\n"
                                        << recorded->pid << " " << recorded->start_ticks << "\n";
  };
  // A folder renamed to look dead, whose records say a live orchestrator made it: left alone.
  write_records(self);
  CHECK(orch::recover_dead_scratch_dirs() == 0);
  CHECK(recorded->alive());
  CHECK(fs::exists(folder));
  write_records(dead);
  CHECK(orch::recover_dead_scratch_dirs() == 1);
  int status = 0;
  REQUIRE(::waitpid(run, &status, 0) == run);
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
  CHECK_FALSE(fs::exists(folder));
}

// The measurement lock, as a library caller holds it: what it tells its observer while
// it waits, and how it gives up.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "common/error.h"
#include "recording_observer.h"
#include "run/run_lock.h"
#include "test_support.h"

TEST_CASE("a held lock file is waited for, told once to the observer, then given up on with exit 4", "[run-lock]") {
  test::TempDir dir;
  const std::string path = dir.file("lock");
  const int holder = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);  // another open file: a rival
  REQUIRE(holder >= 0);
  REQUIRE(::flock(holder, LOCK_EX | LOCK_NB) == 0);
  test::RecordingObserver observer;
  const auto start = std::chrono::steady_clock::now();
  try {
    const orch::RunLock lock(path, 0.5, true, observer);
    FAIL("the lock was taken while another held it");
  } catch (const orch::UserError& e) {
    CHECK(e.exit_code() == orch::kExitLocked);
    CHECK_THAT(e.what(), Catch::Contains("another orchestrator run holds"));
  }
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(500));
  const auto waits = observer.all<orch::event::Waiting>();
  REQUIRE(waits.size() == 1);  // once, however long the wait
  CHECK(waits[0].what == orch::event::Waiting::For::kLock);
  CHECK(waits[0].whom == path);
  CHECK(waits[0].wait_s == 0.5);
  ::close(holder);
}

TEST_CASE("a free lock file is taken at once, silently, and kept private while held", "[run-lock]") {
  test::TempDir dir;
  const std::string path = dir.file("lock");
  test::RecordingObserver observer;
  {
    const orch::RunLock lock(path, 0, true, observer);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(observer.all<orch::event::Waiting>().empty());
    const int rival = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    CHECK(::flock(rival, LOCK_EX | LOCK_NB) != 0);  // held
    ::close(rival);
  }
  const int after = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  CHECK(::flock(after, LOCK_EX | LOCK_NB) == 0);  // released with the object
  ::close(after);
}

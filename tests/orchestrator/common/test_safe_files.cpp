// Paths walked without following other users' links, files read only when regular,
// folders removed without following anything; process identities and the names
// that carry them.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "common/safe_files.h"
#include "common/session.h"
#include "process/process_identity.h"
#include "test_support.h"

namespace fs = std::filesystem;

TEST_CASE("a path is walked through links this user owns, to a path with no link left", "[safe-files][security]") {
  test::TempDir dir;
  fs::create_directory(dir.path() / "real");
  fs::create_directory_symlink("real", dir.path() / "alias");
  const auto file = orch::open_path(dir.file("alias/r.db"), "the results DB");
  CHECK(file.name == "r.db");
  CHECK(file.resolved == fs::canonical(dir.path()).string() + "/real/r.db");
  fs::create_symlink(dir.file("real/target"), dir.path() / "real" / "last");
  CHECK(orch::open_path(dir.file("real/last"), "x").resolved == fs::canonical(dir.path()).string() + "/real/target");
  CHECK_THROWS_WITH(orch::open_path(dir.file("real"), "the log file"), Catch::Contains("is a folder, not a file"));
  CHECK_THROWS_WITH(orch::open_path(dir.file("missing/r.db"), "the results DB"),
                    Catch::Contains("missing: No such file or directory"));
}

TEST_CASE("security: a link that another user owns is never followed", "[safe-files][security]") {
  if (geteuid() != 0) test::skip("needs root to make a link owned by another user");
  test::TempDir dir;
  fs::create_symlink("/etc/shadow", dir.path() / "planted");
  REQUIRE(::lchown(dir.file("planted").c_str(), 65534, 65534) == 0);
  fs::create_directory(dir.path() / "sub");
  fs::create_directory_symlink(dir.path() / "sub", dir.path() / "planted_folder");
  REQUIRE(::lchown(dir.file("planted_folder").c_str(), 65534, 65534) == 0);
  for (const auto& path : {dir.file("planted"), dir.file("planted_folder/x.db")})
    CHECK_THROWS_WITH(
        orch::open_path(path, "the results DB"),
        Catch::Contains("refusing to follow the symbolic link") && Catch::Contains("belongs to user nobody"));
  CHECK_THROWS_WITH(orch::open_folder(dir.file("planted_folder"), "TMPDIR"), Catch::Contains("refusing to follow"));
}

TEST_CASE("security: only a regular file with one link is read, up to a cap, and never blocks",
          "[safe-files][security]") {
  test::TempDir dir;
  const orch::Fd folder(::open(dir.path().c_str(), O_PATH | O_DIRECTORY));
  dir.write("report.json", "{}");
  CHECK(orch::read_regular_file(folder.get(), "report.json", 100).text == "{}");
  CHECK(orch::read_regular_file(folder.get(), "report.json", 1).problem == "it is larger than the 1 bytes allowed");
  CHECK(orch::read_regular_file(folder.get(), "absent", 100).missing);
  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);  // opening it for reading would block
  CHECK(orch::read_regular_file(folder.get(), "fifo", 100).problem == "it is a FIFO, not a regular file");
  fs::create_symlink("/dev/zero", dir.path() / "zero");
  CHECK(orch::read_regular_file(folder.get(), "zero", 100).problem == "it is a symbolic link, which is not followed");
  fs::create_hard_link(dir.file("report.json"), dir.path() / "linked");
  CHECK_THAT(orch::read_regular_file(folder.get(), "linked", 100).problem, Catch::Contains("has 2 links"));
  CHECK_THROWS_WITH(orch::read_trusted_file("/dev/zero", 100, "the matrix file"),
                    Catch::Contains("it is a device or socket, not a regular file"));
  // A file root evicts or looks into: only ever a regular one, never opened otherwise.
  CHECK(orch::open_regular_for_reading(dir.file("report.json")));
  CHECK_FALSE(orch::open_regular_for_reading(dir.file("fifo")));  // returns at once: nothing waits for a writer
  CHECK_FALSE(orch::open_regular_for_reading("/dev/zero"));
  CHECK_FALSE(orch::open_regular_for_reading(dir.file("zero")));  // a link, not followed
}

TEST_CASE("security: a file the orchestrator writes is not a link, a hard link or, when asked, another's",
          "[safe-files][security]") {
  test::TempDir dir;
  const auto own =
      orch::open_own_file(orch::open_path(dir.file("lock"), "the lock file"), O_RDWR, 0600, true, "the lock file");
  struct stat st {};
  REQUIRE(::fstat(own.get(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  fs::create_symlink(dir.file("lock"), dir.path() / "link");
  CHECK_THROWS_WITH(orch::open_own_file(orch::PathInFolder{orch::Fd(::open(dir.path().c_str(), O_PATH)), "link", ""},
                                        O_RDWR, 0600, true, "the lock file"),
                    Catch::Contains("it is a symbolic link, which is not followed"));
  fs::create_hard_link(dir.file("lock"), dir.path() / "hard");
  CHECK_THROWS_WITH(orch::open_own_file(orch::open_path(dir.file("hard"), "the log file"), O_WRONLY | O_APPEND, 0640,
                                        false, "the log file"),
                    Catch::Contains("has 2 links"));
}

TEST_CASE("security: a tree is removed without following a link out of it", "[safe-files][security]") {
  test::TempDir dir;
  test::TempDir outside;
  outside.write("keep", "kept");
  fs::create_directories(dir.path() / "tree" / "deep");
  dir.write("tree/deep/file", "x");
  fs::create_directory_symlink(outside.path(), dir.path() / "tree" / "escape");
  const orch::Fd folder(::open(dir.path().c_str(), O_PATH | O_DIRECTORY));
  CHECK(orch::remove_tree(folder.get(), "tree"));
  CHECK_FALSE(fs::exists(dir.path() / "tree"));
  CHECK(fs::exists(outside.path() / "keep"));
  // A tree deeper than the folders it may hold open at once (a worker made it).
  fs::path deep = dir.path() / "deep";
  fs::create_directory(deep);
  const orch::Fd level(::open(deep.c_str(), O_RDONLY | O_DIRECTORY));
  for (int i = 0, fd = ::dup(level.get()); i < 300; ++i) {
    REQUIRE(::mkdirat(fd, "d", 0755) == 0);
    const int next = ::openat(fd, "d", O_RDONLY | O_DIRECTORY);
    ::close(fd);
    fd = next;
    if (i == 299) ::close(fd);
  }
  CHECK(orch::remove_tree(folder.get(), "deep"));
  CHECK_FALSE(fs::exists(deep));
  const std::string made = orch::make_unique_folder(folder.get(), "orchestrator-1-2-", 0711);
  CHECK(made.rfind("orchestrator-1-2-", 0) == 0);
  CHECK((fs::status(dir.path() / made).permissions() & fs::perms::all) == fs::perms(0711));
}

TEST_CASE("a process is its pid and its start time: a reused pid is not the process that died", "[identity]") {
  const auto self = orch::ProcessIdentity::self();
  CHECK(self.pid == ::getpid());
  CHECK(self.start_ticks > 0);
  CHECK(self.alive());
  CHECK_FALSE((orch::ProcessIdentity{self.pid, self.start_ticks + 1}.alive()));  // the pid, another start
  CHECK((orch::ProcessIdentity{self.pid, 0}.alive()));                           // start unknown: alive is safer
  CHECK(orch::ProcessIdentity::parse(self.text()) == self);
  CHECK_FALSE(orch::ProcessIdentity::parse("12x"));
  CHECK_FALSE(orch::boot_id().empty());
}

TEST_CASE("names carry their owner, old and new, and only a dead owner's are fair game", "[identity]") {
  const orch::ProcessIdentity owner{812, 99123};
  CHECK(orch::session_name(owner) == "orchestrator-812-99123");
  CHECK(orch::run_name(owner, 0, 1) == "orch-812-99123-c0-r1");
  CHECK(orch::owner_of("orchestrator-812-99123") == owner);
  CHECK(orch::owner_of("orchestrator-812-99123-AbC123") == owner);  // a scratch folder
  CHECK(orch::owner_of("orch-812-99123-c0-r1") == owner);
  CHECK(orch::owner_of("orch-812-c0-r1") == (orch::ProcessIdentity{812, 0}));  // named before identities were
  CHECK_FALSE(orch::owner_of("orchestrator-test-docker"));
  CHECK_FALSE(orch::owner_of("something-else"));
  const auto self = orch::ProcessIdentity::self();
  CHECK_FALSE(orch::left_by_dead_orchestrator(orch::run_name(self, 0, 0)));
  CHECK(orch::left_by_dead_orchestrator(orch::run_name({self.pid, self.start_ticks + 1}, 0, 0)));
}

TEST_CASE("a process is killed by its identity only: not when its pid now means another", "[identity]") {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto identity = orch::ProcessIdentity::of(child);
  REQUIRE(identity);
  CHECK_FALSE((orch::ProcessIdentity{child, identity->start_ticks + 1}.kill()));  // another start: left alone
  CHECK(identity->alive());
  CHECK(identity->kill());
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
}

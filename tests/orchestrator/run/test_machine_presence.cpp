// Which orchestrators measure on this machine, and who may say they measured beside us.
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "run/machine_presence.h"
#include "test_support.h"

namespace {

// In a child process (as `uid` when given), greets the announcement of this process.
void greet_from_child(const orch::MeasuringAnnouncement& announcement, int uid) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (uid >= 0 && ::setuid(static_cast<uid_t>(uid)) != 0) ::_exit(2);
    const std::string name = "inference-orchestrator/measuring/" + std::to_string(announcement.since_ns()) + "/" +
                             std::to_string(::getppid());
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path + 1, name.data(), name.size());
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    ::_exit(::sendto(fd, "!", 1, 0, reinterpret_cast<const sockaddr*>(&address), length) == 1 ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WEXITSTATUS(status) == 0);
}

}  // namespace

TEST_CASE("a measuring orchestrator is seen by others and not by itself", "[presence]") {
  const orch::MeasuringAnnouncement announcement;
  for (const auto& other : orch::measuring_orchestrators()) CHECK(other.pid != ::getpid());
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    bool seen = false;
    for (const auto& other : orch::measuring_orchestrators())
      seen = seen || (other.pid == ::getppid() && other.since_ns == announcement.since_ns());
    ::_exit(seen ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("security: a greeting counts from this user, not from another that does not measure",
          "[presence][security]") {
  if (::geteuid() != 0) test::skip("needs root to greet as another user");
  const orch::MeasuringAnnouncement announcement;
  greet_from_child(announcement, 65534);  // nobody, holding no measuring slot
  CHECK(announcement.greeted_by().empty());
  greet_from_child(announcement, -1);  // this user
  CHECK(announcement.greeted_by().size() == 1);
  CHECK(announcement.greeted_by().empty());  // read once
}

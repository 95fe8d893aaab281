// Measuring orchestrators as abstract UNIX sockets (see machine_presence.h).
#include "machine_presence.h"

#include <dirent.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <fstream>
#include <sstream>

#include "clock.h"
#include "error.h"
#include "text.h"

namespace orch {
namespace {

const std::string kPrefix = "inference-orchestrator/measuring/";

// Whether process `pid` has the socket with `inode` open.
bool holds_socket(pid_t pid, const std::string& inode) {
  const std::string folder = "/proc/" + std::to_string(pid) + "/fd";
  DIR* fds = ::opendir(folder.c_str());
  if (fds == nullptr) return false;
  bool found = false;
  const std::string wanted = "socket:[" + inode + "]";
  char target[64];
  while (const dirent* entry = ::readdir(fds)) {
    const ssize_t n = ::readlinkat(::dirfd(fds), entry->d_name, target, sizeof(target));
    if (n > 0 && std::string(target, static_cast<size_t>(n)) == wanted) found = true;
  }
  ::closedir(fds);
  return found;
}

std::string command_line(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string raw((std::istreambuf_iterator<char>(in)), {});
  for (char& c : raw)
    if (c == '\0') c = ' ';
  while (!raw.empty() && raw.back() == ' ') raw.pop_back();
  return first_line(raw, 200);
}

}  // namespace

std::string MeasuringOrchestrator::text() const {
  return "pid " + std::to_string(pid) + (command.empty() ? "" : " (" + command + ")");
}

std::vector<MeasuringOrchestrator> measuring_orchestrators() {
  std::vector<MeasuringOrchestrator> found;
  std::ifstream table("/proc/net/unix");
  std::string line;
  std::getline(table, line);  // the header
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, refs, protocol, flags, type, state, inode, path;
    if (!(fields >> slot >> refs >> protocol >> flags >> type >> state >> inode >> path)) continue;
    if (path.rfind("@" + kPrefix, 0) != 0) continue;
    MeasuringOrchestrator other;
    if (std::sscanf(path.c_str() + 1 + kPrefix.size(), "%" SCNd64 "/%d", &other.since_ns, &other.pid) != 2) continue;
    if (other.pid == ::getpid() || other.pid <= 0) continue;
    if (::geteuid() == 0 && !holds_socket(other.pid, inode)) continue;  // a name, not an orchestrator
    other.command = command_line(other.pid);
    found.push_back(other);
  }
  return found;
}

MeasuringAnnouncement::MeasuringAnnouncement()
    : since_ns_(monotonic_ns()), socket_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  const std::string name = kPrefix + std::to_string(since_ns_) + "/" + std::to_string(::getpid());
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data(), name.size());  // sun_path[0] = '\0': abstract
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (!socket_ || ::bind(socket_.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0)
    throw UserError("cannot announce this orchestrator as measuring (an abstract UNIX socket): " +
                    std::string(std::strerror(errno)));
}

}  // namespace orch

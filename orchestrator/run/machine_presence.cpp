// Measuring orchestrators as abstract UNIX sockets (see machine_presence.h).
#include "run/machine_presence.h"

#include <dirent.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/clock.h"
#include "common/error.h"
#include "common/text.h"

namespace orch {
namespace {

const std::string kPrefix = "inference-orchestrator/measuring/";
constexpr int kMaxGreetings = 256;  // read at once; more would only repeat who is there

// The abstract address of an orchestrator that went ahead at `since_ns`.
std::pair<sockaddr_un, socklen_t> address_of(int64_t since_ns, pid_t pid) {
  const std::string name = kPrefix + std::to_string(since_ns) + "/" + std::to_string(pid);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path + 1, name.data(), std::min(name.size(), sizeof(address.sun_path) - 1));
  return {address, static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size())};
}

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
    : since_ns_(monotonic_ns()), socket_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) {
  const auto [address, length] = address_of(since_ns_, ::getpid());  // sun_path[0] = '\0': abstract
  const int on = 1;
  if (!socket_ || ::setsockopt(socket_.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) != 0 ||
      ::bind(socket_.get(), reinterpret_cast<const sockaddr*>(&address), length) != 0)
    throw UserError("cannot announce this orchestrator as measuring (an abstract UNIX socket): " +
                    std::string(std::strerror(errno)));
}

void MeasuringAnnouncement::greet(const std::vector<MeasuringOrchestrator>& others) const {
  for (const auto& other : others) {
    const auto [address, length] = address_of(other.since_ns, other.pid);
    ::sendto(socket_.get(), "!", 1, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&address), length);
  }
}

std::vector<MeasuringOrchestrator> MeasuringAnnouncement::greeted_by() const {
  std::vector<MeasuringOrchestrator> greeters;
  std::vector<bool> trusted;  // by greeters' index: root's or this user's
  for (int i = 0; i < kMaxGreetings; ++i) {
    char byte = 0;
    iovec data{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    if (::recvmsg(socket_.get(), &message, MSG_DONTWAIT) < 0) break;
    const cmsghdr* header = CMSG_FIRSTHDR(&message);
    if (header == nullptr || header->cmsg_type != SCM_CREDENTIALS) continue;
    ucred sender{};
    std::memcpy(&sender, CMSG_DATA(header), sizeof(sender));
    const bool known =
        std::any_of(greeters.begin(), greeters.end(), [&](const auto& g) { return g.pid == sender.pid; });
    if (known || sender.pid == ::getpid()) continue;
    greeters.push_back({sender.pid, 0, command_line(sender.pid)});
    trusted.push_back(sender.uid == 0 || sender.uid == ::geteuid());
  }
  // A greeting of another user's counts only from a process that measures (holds a
  // slot): anyone can send a datagram.
  std::vector<MeasuringOrchestrator> believed;
  const auto measuring = measuring_orchestrators();
  for (size_t i = 0; i < greeters.size(); ++i) {
    const bool slot =
        std::any_of(measuring.begin(), measuring.end(), [&](const auto& m) { return m.pid == greeters[i].pid; });
    if (trusted[i] || slot) believed.push_back(greeters[i]);
  }
  return believed;
}

}  // namespace orch

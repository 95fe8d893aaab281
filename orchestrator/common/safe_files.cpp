// Opening, reading and removing files that other users may control (see safe_files.h).
#include "common/safe_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <random>
#include <vector>

#include "common/error.h"
#include "common/text.h"

namespace orch {
namespace {

constexpr int kMaxSymlinks = 40;     // as the kernel's path walk (ELOOP)
constexpr int kMaxRemoveDepth = 64;  // open folders at once while removing a tree

std::deque<std::string> components(const std::string& path) {
  std::deque<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!part.empty() && part != ".") parts.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string path;
  for (const auto& part : parts) path += "/" + part;
  return path.empty() ? "/" : path;
}

std::string absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof(cwd)) == nullptr)
    throw UserError("cannot read the working folder: " + std::string(std::strerror(errno)));
  return std::string(cwd) + "/" + path;
}

// A symbolic link may be followed when root or we own it: it cannot then be
// pointed elsewhere by anyone who could not already write where it leads.
bool trusted_owner(uid_t uid) { return uid == 0 || uid == ::geteuid(); }

// The walk behind open_path and open_folder. The last component is returned
// unopened, with the folder that holds it; "" when the path is "/".
PathInFolder walk(const std::string& path, const std::string& what) {
  if (path.empty()) throw UserError(what + ": the path is empty");
  auto fail = [&](const std::string& why, const std::string& hint = {}) -> UserError {
    return UserError(what + " " + printable(path) + ": " + why, hint);
  };
  std::deque<std::string> todo = components(absolute(path));
  std::vector<std::string> resolved;
  std::vector<Fd> folders;
  folders.emplace_back(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  int links = 0;
  while (!todo.empty()) {
    const std::string part = todo.front();
    todo.pop_front();
    if (part == "..") {
      if (folders.size() > 1) folders.pop_back(), resolved.pop_back();
      continue;
    }
    std::vector<std::string> here = resolved;
    here.push_back(part);
    if (todo.empty()) return {std::move(folders.back()), part, joined(here)};
    Fd fd(::openat(folders.back().get(), part.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (!fd || ::fstatat(fd.get(), "", &st, AT_EMPTY_PATH) != 0)
      throw fail(printable(joined(here)) + ": " + std::strerror(errno));
    if (S_ISLNK(st.st_mode)) {
      if (!trusted_owner(st.st_uid))
        throw fail("refusing to follow the symbolic link " + printable(joined(here)) + ", which belongs to " +
                       user_name(st.st_uid),
                   "another user can point that link anywhere; give a path without it");
      char target[PATH_MAX];
      const ssize_t length = ::readlinkat(fd.get(), "", target, sizeof(target) - 1);
      if (length <= 0 || ++links > kMaxSymlinks)
        throw fail("cannot follow the symbolic link " + printable(joined(here)));
      const std::string destination(target, static_cast<size_t>(length));
      if (destination[0] == '/') folders.resize(1), resolved.clear();
      auto parts = components(destination);
      todo.insert(todo.begin(), parts.begin(), parts.end());
      continue;
    }
    if (!S_ISDIR(st.st_mode)) throw fail(printable(joined(here)) + " is not a folder");
    folders.push_back(std::move(fd));
    resolved.push_back(part);
  }
  return {std::move(folders.back()), "", joined(resolved)};
}

// walk(), with a symbolic link in the last place followed under the same rule.
PathInFolder walk_all(const std::string& path, const std::string& what, int links = 0) {
  PathInFolder file = walk(path, what);
  struct stat st {};
  if (file.name.empty() || ::fstatat(file.folder.get(), file.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISLNK(st.st_mode))
    return file;
  if (!trusted_owner(st.st_uid))
    throw UserError(what + " " + printable(path) + ": refusing to follow the symbolic link " +
                        printable(file.resolved) + ", which belongs to " + user_name(st.st_uid),
                    "another user can point that link anywhere; give a path without it");
  Fd link(::openat(file.folder.get(), file.name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  char target[PATH_MAX];
  const ssize_t length = link ? ::readlinkat(link.get(), "", target, sizeof(target) - 1) : -1;
  if (length <= 0 || links >= kMaxSymlinks)
    throw UserError(what + " " + printable(path) + ": cannot follow the symbolic link " + printable(file.resolved));
  const std::string destination(target, static_cast<size_t>(length));
  const std::string folder = file.resolved.substr(0, file.resolved.rfind('/') + 1);
  return walk_all(destination[0] == '/' ? destination : folder + destination, what, links + 1);
}

}  // namespace

std::string user_name(uid_t uid) {
  const passwd* entry = ::getpwuid(uid);
  return entry ? "user " + std::string(entry->pw_name) : "uid " + std::to_string(uid);
}

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

int Fd::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

PathInFolder open_path(const std::string& path, const std::string& what) {
  PathInFolder file = walk_all(path, what);
  struct stat st {};
  if (file.name.empty() ||
      (::fstatat(file.folder.get(), file.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)))
    throw UserError(what + " " + printable(path) + ": is a folder, not a file");
  return file;
}

Fd open_folder(const std::string& path, const std::string& what) {
  PathInFolder last = walk_all(path, what);
  if (last.name.empty()) return std::move(last.folder);
  Fd folder(::openat(last.folder.get(), last.name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!folder) throw UserError(what + " " + printable(path) + ": " + std::strerror(errno));
  return folder;
}

Fd open_own_file(const PathInFolder& file, int flags, mode_t mode, bool own_only, const std::string& what) {
  const std::string path = printable(file.resolved);
  const bool truncate = (flags & O_TRUNC) != 0;
  flags &= ~O_TRUNC;  // an existing file is emptied only once it has passed every check
  for (int attempt = 0; attempt < 10; ++attempt) {
    // A new file is this call's own: made with O_EXCL, nothing else can stand there.
    Fd fd(::openat(file.folder.get(), file.name.c_str(), flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (fd) {
      if (::fchmod(fd.get(), mode) != 0)  // the umask took bits away
        throw UserError("cannot set the mode of " + what + " " + path + ": " + std::strerror(errno));
      return fd;
    }
    if (errno != EEXIST) throw UserError("cannot create " + what + " " + path + ": " + std::strerror(errno));
    // An existing one is looked at through an O_PATH descriptor, which opens nothing,
    // and reopened for writing only once it has passed: a refused file keeps its bytes
    // and its mode.
    const Fd handle(::openat(file.folder.get(), file.name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!handle && errno == ENOENT) continue;  // removed since: make it anew
    struct stat st {};
    if (!handle || ::fstat(handle.get(), &st) != 0)
      throw UserError("cannot open " + what + " " + path + ": " + std::strerror(errno));
    if (S_ISLNK(st.st_mode))
      throw UserError("cannot open " + what + " " + path + ": it is a symbolic link, which is not followed",
                      "remove the link, or choose another path");
    if (!S_ISREG(st.st_mode)) throw UserError("cannot use " + what + " " + path + ": it is not a regular file");
    if (st.st_nlink != 1)
      throw UserError("cannot use " + what + " " + path + ": it has " + std::to_string(st.st_nlink) +
                          " links; a hard link could lead to a file elsewhere",
                      "remove it; the orchestrator makes a new one");
    if (own_only && st.st_uid != ::geteuid())
      throw UserError("cannot use " + what + " " + path + ": it belongs to " + user_name(st.st_uid) +
                          ", who could then hold or change it",
                      "remove it, or choose another path");
    const std::string same = "/proc/self/fd/" + std::to_string(handle.get());  // this very file, no path walked
    fd = Fd(::open(same.c_str(), flags | O_NOCTTY | O_CLOEXEC));
    if (!fd) throw UserError("cannot open " + what + " " + path + ": " + std::strerror(errno));
    if (truncate && ::ftruncate(fd.get(), 0) != 0)
      throw UserError("cannot empty " + what + " " + path + ": " + std::strerror(errno));
    return fd;
  }
  throw UserError("cannot open " + what + " " + path + ": it keeps being removed and made again");
}

void write_own_file(const std::string& path, const std::string& text, mode_t mode, const std::string& what) {
  const Fd file = open_own_file(open_path(path, what), O_WRONLY | O_TRUNC, mode, true, what);
  for (size_t done = 0; done < text.size();) {
    const ssize_t written = ::write(file.get(), text.data() + done, text.size() - done);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) throw UserError("cannot write " + what + " " + printable(path) + ": " + std::strerror(errno));
    done += static_cast<size_t>(written);
  }
}

FileText read_regular_file(int folder_fd, const std::string& name, size_t max_bytes) {
  FileText result;
  Fd fd(::openat(folder_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    result.missing = errno == ENOENT;
    result.problem = errno == ELOOP ? "it is a symbolic link, which is not followed" : std::strerror(errno);
    return result;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    result.problem = S_ISFIFO(st.st_mode)  ? "it is a FIFO, not a regular file"
                     : S_ISDIR(st.st_mode) ? "it is a folder, not a regular file"
                                           : "it is a device or socket, not a regular file";
    return result;
  }
  if (st.st_nlink != 1) {
    result.problem = "it has " + std::to_string(st.st_nlink) + " links; a hard link could lead to a file elsewhere";
    return result;
  }
  const std::string too_large = "it is larger than the " + std::to_string(max_bytes) + " bytes allowed";
  if (static_cast<size_t>(st.st_size) > max_bytes) {
    result.problem = too_large;
    return result;
  }
  std::string text(static_cast<size_t>(st.st_size) + 1, '\0');  // one more: a file that grows is seen
  size_t have = 0;
  while (true) {
    if (have == text.size()) {
      if (text.size() > max_bytes) break;
      text.resize(std::min(max_bytes + 1, 2 * text.size() + 4096));
    }
    const ssize_t n = ::read(fd.get(), text.data() + have, text.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      result.problem = std::strerror(errno);
      return result;
    }
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  if (have > max_bytes) {
    result.problem = too_large;
    return result;
  }
  text.resize(have);
  result.text = std::move(text);
  return result;
}

Fd open_regular_for_reading(const std::string& path) {
  Fd handle(::open(path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!handle || ::fstat(handle.get(), &st) != 0 || !S_ISREG(st.st_mode)) return Fd();
  const std::string same = "/proc/self/fd/" + std::to_string(handle.get());
  return Fd(::open(same.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
}

std::string read_trusted_file(const std::string& path, size_t max_bytes, const std::string& what) {
  const PathInFolder file = open_path(path, what);
  FileText read = read_regular_file(file.folder.get(), file.name, max_bytes);
  if (!read.text) throw UserError(printable(path) + ": cannot read " + what + ": " + read.problem);
  return *read.text;
}

std::string make_unique_folder(int parent_fd, const std::string& prefix, mode_t mode) {
  static const char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device random;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name = prefix;
    for (int i = 0; i < 6; ++i) name += kLetters[random() % (sizeof(kLetters) - 1)];
    if (::mkdirat(parent_fd, name.c_str(), mode) != 0) {
      if (errno == EEXIST) continue;
      throw UserError("cannot create a folder " + prefix + "...: " + std::strerror(errno));
    }
    Fd folder(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!folder || ::fchmod(folder.get(), mode) != 0)  // the umask took bits away
      throw UserError("cannot set up the folder " + name + ": " + std::strerror(errno));
    return name;
  }
  throw UserError("cannot create a folder " + prefix + "...: every name tried exists");
}

namespace {

// Empties folder `fd` (inside the tree `top` being removed): files and links are
// unlinked; folders are emptied and removed, down to kMaxRemoveDepth levels, and any
// deeper one is moved up into `top` for a later pass, so that no tree is too deep.
bool empty_folder(int top, int fd, int depth, int& moved) {
  DIR* folder = ::fdopendir(::dup(fd));  // a dup shares the offset: start from the top again
  if (folder == nullptr) return false;
  ::rewinddir(folder);
  std::vector<std::string> names;
  while (const dirent* item = ::readdir(folder))
    if (std::strcmp(item->d_name, ".") != 0 && std::strcmp(item->d_name, "..") != 0) names.push_back(item->d_name);
  ::closedir(folder);
  bool all = true;
  for (const auto& name : names) {
    if (::unlinkat(fd, name.c_str(), 0) == 0 || errno == ENOENT) continue;
    if (errno != EISDIR) {
      all = false;
      continue;
    }
    if (depth >= kMaxRemoveDepth) {
      const std::string up = ".deep-" + std::to_string(moved++);
      all = ::renameat(fd, name.c_str(), top, up.c_str()) == 0 && all;
      continue;
    }
    const Fd child(::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    all = child && empty_folder(top, child.get(), depth + 1, moved) &&
          ::unlinkat(fd, name.c_str(), AT_REMOVEDIR) == 0 && all;
  }
  return all;
}

}  // namespace

bool remove_tree(int parent_fd, const std::string& name) {
  if (::unlinkat(parent_fd, name.c_str(), 0) == 0 || errno == ENOENT) return true;
  if (errno != EISDIR) return false;
  const Fd top(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!top) return false;
  // Each pass empties kMaxRemoveDepth levels; what lay deeper was moved up to be
  // emptied by the next one.
  for (int pass = 0, moved = 0; pass < 1000; ++pass) {
    const int before = moved;
    const bool emptied = empty_folder(top.get(), top.get(), 0, moved);
    if (emptied && moved == before) break;
    if (!emptied && moved == before) return false;  // something else stood in the way
  }
  return ::unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR) == 0;
}

}  // namespace orch

// Files and folders the orchestrator opens on a user's behalf, often as root: the
// matrix, the lock, the log, the DB, the scratch folder and what workers write there.
// Any of them may sit where another user can plant a symbolic link, a FIFO or a huge
// file, so every path goes through here:
//   - a path is walked one component at a time with O_NOFOLLOW; a symbolic link is
//     followed only when root or this process's user owns it (one that another user
//     owns could point anywhere, and is refused);
//   - what is read must be a regular file (never a FIFO or a device) and is read up
//     to a cap; what is written must be a regular file with a single link;
//   - folders are removed through file descriptors, so nothing swapped in during the
//     removal is followed.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>

namespace orch {

// "user mallory", or "uid 1234" when the account has no name: for messages.
std::string user_name(uid_t uid);

// A file descriptor that closes itself.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release();

 private:
  int fd_ = -1;
};

// The folder a path names a file in, opened, with the file's name in it.
struct PathInFolder {
  Fd folder;             // O_PATH | O_DIRECTORY
  std::string name;      // the last component; may not exist yet
  std::string resolved;  // the whole path, absolute, with no symbolic link in it
};

// Walks `path` (relative ones from the working folder) as described above. `what`
// names the file in messages ("the results DB"). Throws UserError when a symbolic
// link is refused, a folder on the way is missing, or the path names a folder.
PathInFolder open_path(const std::string& path, const std::string& what);

// The folder `path` names, opened (O_PATH | O_DIRECTORY), walked as open_path does.
Fd open_folder(const std::string& path, const std::string& what);

// Opens or creates a file this process writes: the lock, the log, a report. Every
// check comes before any change: an existing file must be a regular file with one
// link (never a hard link to a file elsewhere), and with `own_only` this process's
// user's; it is looked at without being opened, and is opened, and with O_TRUNC in
// `flags` emptied, only once it has passed. A file this call creates gets `mode`
// (whatever the umask); an existing one keeps its mode. `flags` are open(2)'s access
// flags (O_RDWR, O_WRONLY | O_APPEND, O_WRONLY | O_TRUNC). Throws UserError.
Fd open_own_file(const PathInFolder& file, int flags, mode_t mode, bool own_only, const std::string& what);
// Writes `text` to `path` as the whole of a file of this user's (open_own_file: never
// through a link another user planted), created with `mode`. Throws UserError.
void write_own_file(const std::string& path, const std::string& text, mode_t mode, const std::string& what);

// Reads a regular file of at most `max_bytes`: the text, or why not (a symbolic link,
// a FIFO, a device, too large), in words that never quote the file's bytes.
struct FileText {
  std::optional<std::string> text;
  std::string problem;   // set when text is not
  bool missing = false;  // no such file
};
FileText read_regular_file(int folder_fd, const std::string& name, size_t max_bytes);

// Opens `path` for reading only if it is a regular file, and never opens anything
// else: it is looked at through an O_PATH descriptor first (no device is opened, no
// FIFO waited for, the last component not followed), then that same file is reopened
// through /proc/self/fd. An empty Fd when it is not a regular file or cannot be read.
// For files a worker named (--list-cold-files) and the model, which root evicts.
Fd open_regular_for_reading(const std::string& path);

// read_regular_file of a path walked by open_path; throws UserError when it cannot.
std::string read_trusted_file(const std::string& path, size_t max_bytes, const std::string& what);

// A new folder `prefix` + 6 random characters in `parent`, with `mode`, made
// atomically (mkdirat, never an existing one). Returns its name.
std::string make_unique_folder(int parent_fd, const std::string& prefix, mode_t mode);

// Removes `name` in `parent_fd` and everything below it. Symbolic links are removed,
// never followed. Returns false when something could not be removed.
bool remove_tree(int parent_fd, const std::string& name);

}  // namespace orch

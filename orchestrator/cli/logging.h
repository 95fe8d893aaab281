// The orchestrator's log: stderr, and with --log-file a rotated file. Every message
// is made printable in one place (text.h): a label, a path or a worker's error with a
// newline or an escape sequence in it cannot forge a log line or drive a terminal.
#pragma once

#include <string>

namespace orch {

// stderr at `level` ("trace" ... "error").
void setup_logging(const std::string& level);

// Also logs to `path`, rotated at kLogFileBytes into PATH.1 ... PATH.<kLogFilesKept>.
// The file is opened as safe_files.h says: no symbolic link another user owns is
// followed, and it must be a regular file with one link of this process's user (mode
// 0640). Throws UserError.
inline constexpr size_t kLogFileBytes = 5 << 20;
inline constexpr int kLogFilesKept = 3;
void add_log_file(const std::string& path);

}  // namespace orch

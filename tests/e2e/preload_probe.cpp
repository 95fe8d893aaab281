// A library for LD_PRELOAD in a test: every process that loads it appends its
// effective uid and name ("0 unshare", "65534 bench_worker") to $PRELOAD_PROBE_LOG,
// so the test sees which processes a matrix's loader variable reached.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

__attribute__((constructor)) static void record_who_loaded_me() {
  const char* log = std::getenv("PRELOAD_PROBE_LOG");
  if (log == nullptr) return;
  char name[64] = {};
  const int comm = ::open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
  if (comm >= 0) {
    const ssize_t n = ::read(comm, name, sizeof(name) - 1);
    if (n > 0 && name[n - 1] == '\n') name[n - 1] = '\0';
    ::close(comm);
  }
  char line[128];
  const int length = std::snprintf(line, sizeof(line), "%d %s\n", static_cast<int>(::geteuid()), name);
  const int out = ::open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (out < 0) return;
  (void)!::write(out, line, static_cast<size_t>(length));
  ::close(out);
}

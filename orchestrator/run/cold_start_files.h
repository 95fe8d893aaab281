// The files whose caching decides a worker's cold start: the model, and what the
// worker program loads. Two ways to know the latter:
//   linked  its ldd closure (with the bundled worker's LibTorch plugin beside it): runs
//           nothing of the worker, enough to find libtorch_cpu for the residency columns;
//   listed  the program's own answer to --list-cold-files (the bundled workers list what
//           they map once LibTorch or torch is loaded, the Python one its modules too).
//           Asking loads all of it into the page cache, so it is asked only right
//           before the first `cache: evict` run that needs it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "run/observer.h"

namespace orch {

struct ColdStartFiles {
  std::string model;
  std::vector<std::string> libraries;  // canonical paths of regular files, no repeats
  std::string libtorch;                // libtorch_cpu's path, "" if not among them
  std::string source;                  // how `libraries` was found, for the log
};

// A worker program as a cell runs it: the cell's environment and the worker's user
// can change what it loads.
struct WorkerProgram {
  std::string path;
  std::map<std::string, std::string> env;
  std::optional<std::pair<uint32_t, uint32_t>> run_as;  // (uid, gid)

  bool operator<(const WorkerProgram& other) const {
    return std::tie(path, env, run_as) < std::tie(other.path, other.env, other.run_as);
  }
};

// ldd runs as the program's user: it loads what the program names.
ColdStartFiles linked_files(const WorkerProgram& program, const std::string& model_path);

// Falls back to linked_files, saying why in `source`, when the program does not
// answer (exit code, timeout, interrupt, no existing file named). `on_spawn` is
// told the pid of the program asked, so that it can be found after a SIGKILL.
ColdStartFiles listed_files(const WorkerProgram& program, const std::string& model_path,
                            const std::function<void(pid_t)>& on_spawn = {});

// Each program's files, found once and as late as possible.
class ColdStartCatalog {
 public:
  // A program's listed files are told to `observer` once (ColdStartFilesListed).
  ColdStartCatalog(std::function<void(pid_t)> on_spawn, Observer& observer)
      : on_spawn_(std::move(on_spawn)), observer_(observer) {}
  // For a run of `program` on `model_path`: the program's listed files when the run
  // evicts, else its linked ones.
  ColdStartFiles files(const WorkerProgram& program, const std::string& model_path, bool evicting);

 private:
  std::function<void(pid_t)> on_spawn_;
  Observer& observer_;
  std::map<std::string, ColdStartFiles> linked_;  // by path: ldd sees no env; without a model
  std::map<WorkerProgram, ColdStartFiles> listed_;
};

}  // namespace orch

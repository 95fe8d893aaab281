// The files whose caching decides a worker's cold start: the model, and what the
// worker program loads. A worker says which with `--list-cold-files` (the bundled
// ones list everything they map once LibTorch or torch is loaded, the Python one
// also its modules' sources); for one that does not answer, its `ldd` closure.
#pragma once

#include <string>
#include <vector>

namespace orch {

struct ColdStartFiles {
  std::string model;
  std::vector<std::string> libraries;  // canonical paths, no repeats
  std::string libtorch;                // libtorch_cpu's path, "" if not among them
  std::string source;                  // how `libraries` was found, for the log
};

ColdStartFiles cold_start_files(const std::string& worker_program, const std::string& model_path);

}  // namespace orch

// The files whose caching decides a worker's cold start: the model, and the worker's
// library closure (the worker, its LibTorch plugin and what `ldd` lists for them).
#pragma once

#include <string>
#include <vector>

namespace orch {

struct ColdStartFiles {
  std::string model;
  std::vector<std::string> libraries;
  std::string libtorch;  // libtorch_cpu's path, "" if not among them
};

ColdStartFiles cold_start_files(const std::string& worker_program, const std::string& model_path);

}  // namespace orch

// The worker's library closure, from ldd (see cold_start_files.h).
#include "cold_start_files.h"

#include <filesystem>
#include <set>
#include <sstream>

#include "supervisor.h"

namespace orch {
namespace {

// The resolved paths `ldd` lists for `binary`.
std::vector<std::string> ldd(const std::string& binary) {
  std::vector<std::string> paths;
  const auto output = capture_output({"/usr/bin/ldd", binary});
  std::istringstream lines(output.text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string first, arrow, path;
    words >> first >> arrow >> path;
    if (arrow == "=>" && !path.empty() && path[0] == '/') paths.push_back(path);
    else if (!first.empty() && first[0] == '/') paths.push_back(first);
  }
  return paths;
}

}  // namespace

ColdStartFiles cold_start_files(const std::string& worker_program, const std::string& model_path) {
  namespace fs = std::filesystem;
  ColdStartFiles files;
  files.model = model_path;
  std::set<std::string> seen;
  const std::string plugin = (fs::path(worker_program).parent_path() / "libbench_torch.so").string();
  std::vector<std::string> roots = {worker_program};
  if (fs::exists(plugin)) roots.push_back(plugin);
  for (const auto& root : roots) {
    std::vector<std::string> paths = ldd(root);
    paths.insert(paths.begin(), root);
    for (const auto& path : paths) {
      std::error_code ec;
      const std::string real = fs::canonical(path, ec).string();
      if (ec || !seen.insert(real).second) continue;
      files.libraries.push_back(real);
      if (fs::path(real).filename().string().rfind("libtorch_cpu.so", 0) == 0) files.libtorch = real;
    }
  }
  return files;
}

}  // namespace orch

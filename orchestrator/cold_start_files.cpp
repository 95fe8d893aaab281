// What a worker loads, from the worker itself or from ldd (see cold_start_files.h).
#include "cold_start_files.h"

#include <filesystem>
#include <set>
#include <sstream>

#include "supervisor.h"

namespace orch {
namespace {

// The absolute paths among `text`'s lines; with `ldd_format`, the resolved paths of
// ldd's "name => /path (address)" and "/path (address)" lines.
std::vector<std::string> listed_paths(const std::string& text, bool ldd_format) {
  std::vector<std::string> paths;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!ldd_format) {
      if (!line.empty() && line[0] == '/') paths.push_back(line);
      continue;
    }
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
  std::vector<std::string> paths;
  if (const auto listed = capture_output({worker_program, "--list-cold-files"}); listed.ok)
    paths = listed_paths(listed.text, false);
  if (!paths.empty()) {
    files.source = "its --list-cold-files";
  } else {
    paths = listed_paths(capture_output({"/usr/bin/ldd", worker_program}).text, true);
    files.source = "ldd (it does not answer --list-cold-files)";
  }
  paths.insert(paths.begin(), worker_program);
  std::set<std::string> seen;
  for (const auto& path : paths) {
    std::error_code ec;
    const std::string real = fs::canonical(path, ec).string();
    if (ec || !fs::is_regular_file(real, ec) || !seen.insert(real).second) continue;
    files.libraries.push_back(real);
    if (fs::path(real).filename().string().rfind("libtorch_cpu.so", 0) == 0) files.libtorch = real;
  }
  return files;
}

}  // namespace orch

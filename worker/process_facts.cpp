// Self-observation of the worker process (see process_facts.h).
#include "process_facts.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "protocol/thread_env.h"

extern char** environ;

namespace worker {

int online_cpu_count() { return static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)); }

std::map<std::string, std::string> thread_env() {
  std::map<std::string, std::string> vars;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    auto eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    if (protocol::is_thread_env_var(text.substr(0, eq)))
      vars.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
  }
  return vars;
}

std::vector<std::string> mapped_files() {
  std::set<std::string> found;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    // " (deleted)": the file is gone, nothing of it can be cached any more
    if (slash == std::string::npos || line.find(" (deleted)") != std::string::npos) continue;
    const std::string path = line.substr(slash);
    std::error_code ec;
    const auto resolved = std::filesystem::weakly_canonical(path, ec);
    found.insert(ec ? path : resolved.string());
  }
  return {found.begin(), found.end()};
}

std::vector<std::string> mapped_blas_libraries() {
  std::vector<std::string> blas;
  for (const auto& path : mapped_files()) {
    const std::string file = std::filesystem::path(path).filename().string();
    if (file.find("blas") != std::string::npos || file.find("mkl_") != std::string::npos ||
        file.find("blis") != std::string::npos)
      blas.push_back(path);
  }
  return blas;
}

int thread_count() {
  std::error_code ec;
  auto it = std::filesystem::directory_iterator("/proc/self/task", ec);
  if (ec) return 0;
  return static_cast<int>(std::distance(it, std::filesystem::directory_iterator()));
}

protocol::ResourceUsage self_usage() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return protocol::to_resource_usage(ru);
}

}  // namespace worker

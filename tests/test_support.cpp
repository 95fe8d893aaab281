// Shared test helpers (see test_support.h).
#include "test_support.h"

#include <stdlib.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>

namespace test {

std::string bin(const std::string& name) {
  const char* other = std::getenv("ORCH_TEST_BIN_DIR");
  return std::string(other && *other ? other : ORCH_TEST_BIN_DIR) + "/" + name;
}
std::string model(const std::string& name) { return std::string(ORCH_TEST_MODELS_DIR) + "/" + name; }
std::string data(const std::string& name) { return std::string(ORCH_TEST_DATA_DIR) + "/" + name; }

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "orch-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, const std::string& text) const {
  std::ofstream(path_ / name) << text;
  return file(name);
}

std::vector<std::string> orchestrator_argv(const std::vector<std::string>& args, bool share_machine) {
  std::vector<std::string> argv = {bin("orchestrator")};
  argv.insert(argv.end(), args.begin(), args.end());
  // Another build (ORCH_TEST_BIN_DIR) may predate --share-machine: it measures alone.
  const char* other = std::getenv("ORCH_TEST_BIN_DIR");
  if (share_machine && !args.empty() && args[0] == "run" && !(other && *other)) argv.push_back("--share-machine");
  return argv;
}

void skip(const std::string& reason) {
  std::cout << "SKIPPED: " << reason << std::endl;
  std::exit(77);
}

orch::SystemInfo four_cpu_machine() {
  orch::SystemInfo system;
  system.hostname = "testhost";
  system.online_cpus = {0, 1, 2, 3};
  system.allowed_cpus = {0, 1, 2, 3};
  return system;
}

}  // namespace test

// Shared test helpers: paths of built artefacts, temporary folders, a fake machine.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/system_info.h"

namespace test {

// A program in build/bin; in $ORCH_TEST_BIN_DIR when that is set, to run the
// end-to-end tests against another build (an older one, to see a test fail there).
std::string bin(const std::string& name);
std::string model(const std::string& name);  // a model in build/models
std::string data(const std::string& name);   // a file in tests/data

// A fresh folder, removed with everything in it when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Writes `text` to a file in this folder and returns its path.
  std::string write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

// Ends this test case as skipped: prints why and exits 77, which ctest reports as
// "Skipped" (SKIP_RETURN_CODE). ctest runs each test case in its own process.
[[noreturn]] void skip(const std::string& reason);

// `args` for the orchestrator binary; a `run` also gets --share-machine unless told
// not to: the suite's tests run side by side (ctest -j) and measure nothing that
// needs the machine alone.
std::vector<std::string> orchestrator_argv(const std::vector<std::string>& args, bool share_machine = true);

// A 4-CPU machine with every CPU allowed.
orch::SystemInfo four_cpu_machine();

}  // namespace test

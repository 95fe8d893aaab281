// Which files `cache: evict` evicts: what each worker says it loads, or its ldd closure.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "cold_start_files.h"
#include "test_support.h"

namespace {

bool has_file_named(const orch::ColdStartFiles& files, const std::string& name) {
  return std::any_of(files.libraries.begin(), files.libraries.end(), [&](const std::string& path) {
    return std::filesystem::path(path).filename().string().rfind(name, 0) == 0;
  });
}

}  // namespace

TEST_CASE("the C++ worker lists itself, its LibTorch plugin and all LibTorch maps", "[cold-files]") {
  const auto files = orch::cold_start_files(test::bin("bench_worker"), "/models/m.pt");
  CHECK(files.source == "its --list-cold-files");
  CHECK(files.model == "/models/m.pt");
  CHECK(has_file_named(files, "bench_worker"));
  CHECK(has_file_named(files, "libbench_torch.so"));
  CHECK(has_file_named(files, "libc10.so"));
  REQUIRE_FALSE(files.libtorch.empty());
  CHECK_THAT(files.libtorch, Catch::Contains("libtorch_cpu.so"));
}

TEST_CASE("the Python worker also lists torch's Python modules and libtorch_python", "[cold-files]") {
  const auto files = orch::cold_start_files(std::string(ORCH_TEST_SOURCE_DIR) + "/worker/python/bench_worker.py",
                                            "/models/m.pt");
  CHECK(files.source == "its --list-cold-files");
  CHECK(has_file_named(files, "libtorch_python.so"));
  CHECK(std::any_of(files.libraries.begin(), files.libraries.end(), [](const std::string& path) {
    return path.find("/torch/__init__.py") != std::string::npos;
  }));
  CHECK_THAT(files.libtorch, Catch::Contains("libtorch_cpu.so"));
}

TEST_CASE("a program that does not answer --list-cold-files gets its ldd closure", "[cold-files]") {
  const auto files = orch::cold_start_files("/bin/ls", "/models/m.pt");  // ls rejects the flag
  CHECK_THAT(files.source, Catch::StartsWith("ldd"));
  CHECK(has_file_named(files, "ls"));
  CHECK(has_file_named(files, "libc.so"));
  CHECK(files.libtorch.empty());
}

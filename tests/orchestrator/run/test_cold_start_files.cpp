// Which files `cache: evict` evicts: what each worker says it loads, or its ldd closure,
// and that the worker is asked only when a run evicts (asking warms the page cache).
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "recording_observer.h"
#include "run/cold_start_files.h"
#include "test_support.h"

namespace {

bool has_file_named(const orch::ColdStartFiles& files, const std::string& name) {
  return std::any_of(files.libraries.begin(), files.libraries.end(), [&](const std::string& path) {
    return std::filesystem::path(path).filename().string().rfind(name, 0) == 0;
  });
}

std::string python_worker() { return std::string(ORCH_TEST_SOURCE_DIR) + "/worker/python/bench_worker.py"; }

// A worker that counts how often it is asked, and names `answer` when it is.
std::string counting_worker(const test::TempDir& dir, const std::string& answer) {
  const std::string path =
      dir.write("worker.sh", "#!/bin/sh\necho asked >> " + dir.file("asked") + "\necho " + answer + "\n");
  chmod(path.c_str(), 0755);
  return path;
}

int times_asked(const test::TempDir& dir) {
  std::ifstream in(dir.file("asked"));
  return static_cast<int>(std::count(std::istreambuf_iterator<char>(in), {}, '\n'));
}

}  // namespace

TEST_CASE("linked files: the C++ worker's ldd closure with its LibTorch plugin", "[cold-files]") {
  const auto files = orch::linked_files({test::bin("bench_worker"), {}, std::nullopt}, "/models/m.pt");
  CHECK(files.source == "ldd");
  CHECK(files.model == "/models/m.pt");
  CHECK(has_file_named(files, "bench_worker"));
  CHECK(has_file_named(files, "libbench_torch.so"));
  CHECK_THAT(files.libtorch, Catch::Contains("libtorch_cpu.so"));
}

TEST_CASE("listed files: the C++ worker names all it maps once LibTorch is loaded", "[cold-files]") {
  const auto files = orch::listed_files({test::bin("bench_worker")}, "/models/m.pt");
  CHECK(files.source == "its --list-cold-files");
  CHECK(has_file_named(files, "libbench_torch.so"));
  CHECK(has_file_named(files, "libc10.so"));
  CHECK_THAT(files.libtorch, Catch::Contains("libtorch_cpu.so"));
}

TEST_CASE("listed files: the Python worker also names torch's modules and libtorch_python", "[cold-files]") {
  const auto files = orch::listed_files({python_worker()}, "/models/m.pt");
  CHECK(files.source == "its --list-cold-files");
  CHECK(has_file_named(files, "libtorch_python.so"));
  CHECK(std::any_of(files.libraries.begin(), files.libraries.end(),
                    [](const std::string& path) { return path.find("/torch/__init__.py") != std::string::npos; }));
  CHECK(files.libraries.size() > 1000);  // more than 64 KiB of paths: the answer is read whole
}

TEST_CASE("a program that does not answer, or names nothing real, gets its ldd closure", "[cold-files]") {
  const auto ls = orch::listed_files({"/bin/ls"}, "/models/m.pt");  // ls rejects the flag
  CHECK(ls.source == "ldd, because it does not answer --list-cold-files (exit code 2)");
  CHECK(has_file_named(ls, "libc.so"));
  test::TempDir dir;
  const auto junk = orch::listed_files({counting_worker(dir, "/no/such/file.so")}, "/models/m.pt");
  CHECK(junk.source == "ldd, because its --list-cold-files named no existing file");
}

TEST_CASE("the catalog asks a worker only before a run that evicts, and only once", "[cold-files]") {
  test::TempDir dir;
  const orch::WorkerProgram program{counting_worker(dir, "/bin/sh")};
  test::RecordingObserver observer;
  orch::ColdStartCatalog catalog({}, observer);
  CHECK(catalog.files(program, "/models/m.pt", false).source == "ldd");
  CHECK(times_asked(dir) == 0);
  CHECK(catalog.files(program, "/models/m.pt", true).source == "its --list-cold-files");
  CHECK(catalog.files(program, "/models/m.pt", true).libraries.size() == 2);  // the script and /bin/sh's target
  const auto listed = observer.all<orch::event::ColdStartFilesListed>();      // once, at the first look
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].files == 2);
  CHECK(listed[0].source == "its --list-cold-files");
  CHECK(times_asked(dir) == 1);
  orch::WorkerProgram other_env = program;
  other_env.env = {{"LD_LIBRARY_PATH", "/opt/torch/lib"}};
  catalog.files(other_env, "/models/m.pt", true);
  CHECK(catalog.files(program, "/models/other.pt", true).model == "/models/other.pt");
  CHECK(times_asked(dir) == 2);  // the model is the cell's: the program is not asked again
  CHECK(times_asked(dir) == 2);  // another environment may load other files: asked again
}

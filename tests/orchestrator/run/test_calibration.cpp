// The calibration kernel as its own process: the bundled worker's real answer, and
// a hostile worker's answers refused (its output is untrusted input).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <string>

#include "recording_observer.h"
#include "run/calibration.h"
#include "test_support.h"

namespace {

// A worker that answers --calibrate with `script`'s output.
std::string answering(const test::TempDir& dir, const std::string& name, const std::string& script) {
  const std::string path = dir.write(name, "#!/bin/sh\n" + script + "\n");
  chmod(path.c_str(), 0755);
  return path;
}

}  // namespace

TEST_CASE("calibration: the bundled worker times its matrix product, well under a millisecond or so per step",
          "[calibration]") {
  test::RecordingObserver observer;
  const auto ms = orch::run_calibration(test::bin("bench_worker"), std::nullopt, observer);
  REQUIRE(ms);
  CHECK(observer.events.empty());
  CHECK(*ms > 0.001);
  CHECK(*ms < 100);
}

TEST_CASE("calibration: anything but one plausible time is no calibration", "[calibration]") {
  test::TempDir dir;
  test::RecordingObserver observer;
  CHECK(orch::run_calibration(answering(dir, "ok.sh", "echo 0.25"), std::nullopt, observer) == 0.25);
  for (const std::string script : {"echo 0.25 0.3", "echo nan", "echo -1", "echo 1e9", "echo", "exit 1",
                                   "echo 0.25; exit 3", "head -c 20000000 /dev/zero"}) {
    INFO(script);
    CHECK_FALSE(orch::run_calibration(answering(dir, "w.sh", script), std::nullopt, observer));
  }
  // Each failure is told once, with the program and the start of its answer.
  const auto failed = observer.all<orch::event::CalibrationFailed>();
  REQUIRE(failed.size() == 8);
  CHECK(failed[0].program == dir.file("w.sh"));
  CHECK(failed[0].answer == "0.25 0.3\\n");  // printable: the newline escaped
  CHECK(failed[7].answer.size() <= 160);     // 40 bytes, each printable in at most 4
}

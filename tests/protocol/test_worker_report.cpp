// The worker's report writer (to_json) against the orchestrator's reader: the one
// definition in protocol/ round-trips, field by field.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "protocol/worker_report.h"

namespace {

protocol::WorkerReport full_report() {
  protocol::WorkerReport report;
  report.ok = true;
  report.phases = {{protocol::phase::kProcessStart, 0, 1.5}, {protocol::phase::kModelLoad, 2, 30.25}};
  report.samples_ms = {1.25, 1.5, 2};
  report.input = {"/models/m.pt", {2, 3, 8, 8}, "cpu"};
  report.runtime.torch = {"1.13.0", true, false, true, 2, 1, "ATen/Parallel:\n\tat::get_num_threads() : 2", ""};
  report.runtime.allowed_cpus = {0, 1};
  report.runtime.online_cpus = 2;
  report.runtime.thread_env = {{"OMP_NUM_THREADS", "2"}};
  report.runtime.blas_libraries = {"/usr/lib/x86_64-linux-gnu/libopenblas.so.0"};
  report.runtime.threads_observed = 3;
  report.runtime.pid = 4242;
  report.runtime.uid = 1000;
  report.runtime.cgroup.version = 1;
  report.runtime.cgroup.path = "/orchestrator-1-2/orch-1-2-c0-r0";
  report.runtime.cgroup.cpu_quota_percent = 150;
  report.runtime.cgroup.memory_limit_bytes = int64_t{1} << 30;
  return report;
}

}  // namespace

TEST_CASE("worker report: what the writer writes, the reader reads back", "[protocol]") {
  const protocol::WorkerReport written = full_report();
  const std::string text = protocol::to_json(written);
  CHECK(nlohmann::json::parse(text).at("protocol_version") == protocol::kProtocolVersion);
  const protocol::WorkerReport read = protocol::parse_worker_report(text, {3});
  CHECK(read.ok);
  REQUIRE(read.phases.size() == 2);
  CHECK(read.phases[1].name == "model_load");
  CHECK(read.phases[1].duration_ms == 30.25);
  CHECK(read.samples_ms == written.samples_ms);
  CHECK(read.input.shape == written.input.shape);
  CHECK(read.runtime.torch.intra_op_threads == 2);
  CHECK(read.runtime.torch.parallel_info == written.runtime.torch.parallel_info);
  CHECK(read.runtime.allowed_cpus == written.runtime.allowed_cpus);
  CHECK(read.runtime.thread_env == written.runtime.thread_env);
  CHECK(read.runtime.pid == 4242);
  CHECK(read.runtime.uid == 1000);
  CHECK(read.runtime.cgroup.cpu_quota_percent == Approx(150));
  CHECK(read.runtime.cgroup.memory_limit_bytes == written.runtime.cgroup.memory_limit_bytes);
}

TEST_CASE("worker report: a failure is written with its phase and read back as not ok", "[protocol]") {
  protocol::WorkerReport failed = full_report();
  failed.ok = false;
  failed.samples_ms.clear();
  failed.failed_phase = protocol::phase::kModelLoad;
  failed.error = "file not found";
  const protocol::WorkerReport read = protocol::parse_worker_report(protocol::to_json(failed));
  CHECK_FALSE(read.ok);
  CHECK(read.failed_phase == "model_load");
  CHECK(read.error == "file not found");
}

TEST_CASE("worker report: samples that add up to more than the timed loop are refused, within 1% + 1 ms",
          "[protocol]") {
  protocol::WorkerReport report = full_report();                     // samples: 4.75 ms in all
  report.phases.push_back({protocol::phase::kTimedLoop, 40, 3.75});  // 4.75 <= 3.75 * 1.01 + 1
  CHECK_NOTHROW(protocol::parse_worker_report(protocol::to_json(report), {3}));
  report.phases.back().duration_ms = 3.7;  // 4.75 > 3.7 * 1.01 + 1
  CHECK_THROWS_WITH(protocol::parse_worker_report(protocol::to_json(report), {3}),
                    Catch::Contains("its 3 samples add up to 4.750 ms, more than its timed_loop phase of 3.700 ms"));
}

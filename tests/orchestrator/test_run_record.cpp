// Reading the worker's report and deciding how a run ended (the first reason wins).
#include <catch2/catch.hpp>
#include <csignal>

#include "run_record.h"

namespace {

const char* kOkReport = R"({"protocol_version":1,"status":"ok","clock_origin":"spawn",
  "phases":[{"name":"process_start","start_ms":0,"duration_ms":2.5},
            {"name":"model_load","start_ms":400,"duration_ms":100}],
  "samples_ms":[3,1,2],
  "input":{"model":"m.pt","shape":[1,3,8,8],"batch_size":1,"device":"cpu"},
  "runtime":{"allowed_cpus":[0,1],"online_cpus":2,"thread_env":{"OMP_NUM_THREADS":"1"},
             "blas_libraries":["/usr/lib/libopenblas.so.0"],"threads_observed":1,
             "torch_version":"1.13.0","mkldnn":true,"mkl":false,"openmp":true,
             "intra_op_threads":1,"inter_op_threads":2,"parallel_info":"..."}})";

orch::RunRecord judged(orch::ProcessOutcome process, std::optional<std::string> report) {
  orch::RunRecord run;
  run.process = std::move(process);
  orch::judge_run(run, report);
  return run;
}

orch::ProcessOutcome exited(int code) {
  orch::ProcessOutcome process;
  process.exit_code = code;
  return process;
}

}  // namespace

TEST_CASE("a complete report parses into phases, samples and runtime", "[protocol]") {
  auto report = orch::parse_worker_report(kOkReport);
  CHECK(report.ok);
  REQUIRE(report.phases.size() == 2);
  CHECK(report.phases[1].name == "model_load");
  CHECK(report.phases[1].duration_ms == 100);
  CHECK(report.samples_ms == std::vector<double>{3, 1, 2});
  CHECK(report.runtime.allowed_cpus == std::vector<int>{0, 1});
  CHECK(report.runtime.inter_op_threads == 2);
  CHECK(report.runtime.thread_env.at("OMP_NUM_THREADS") == "1");
}

TEST_CASE("garbage, truncated and incomplete reports are protocol errors", "[protocol]") {
  const std::string ok = kOkReport;
  for (const std::string& bad :
       {std::string("not json"), ok.substr(0, ok.size() / 2), std::string("{}"),
        std::string(R"({"protocol_version":99})"),
        std::string(R"({"protocol_version":1,"status":"ok","phases":[],"samples_ms":[],"runtime":{"allowed_cpus":[],"online_cpus":1,"thread_env":{}}})")})
    CHECK_THROWS_AS(orch::parse_worker_report(bad), orch::ProtocolError);
}

TEST_CASE("a clean exit with a complete report is ok, with latency statistics", "[protocol]") {
  auto run = judged(exited(0), std::string(kOkReport));
  CHECK(run.status == orch::RunStatus::kOk);
  REQUIRE(run.latency);
  CHECK(run.latency->p50_ms == 2);
}

TEST_CASE("each way a run can fail gets its own status and reason", "[protocol]") {
  auto error_report = std::string(R"({"protocol_version":1,"status":"error","error":"no such file",
      "failed_phase":"model_load","phases":[],"samples_ms":[],
      "runtime":{"allowed_cpus":[0],"online_cpus":1,"thread_env":{}}})");
  auto error = judged(exited(1), error_report);
  CHECK(error.status == orch::RunStatus::kError);
  CHECK(error.reason == "model_load: no such file");

  auto failed = exited(3);
  failed.stderr_tail = "loading...\nfatal: out of luck\n";
  CHECK(judged(failed, std::nullopt).reason == "exit code 3: fatal: out of luck");

  orch::ProcessOutcome crashed;
  crashed.term_signal = SIGSEGV;
  CHECK(judged(crashed, std::nullopt).status == orch::RunStatus::kCrashed);
  CHECK(judged(crashed, std::nullopt).reason == "killed by SIGSEGV");

  orch::ProcessOutcome timed_out;
  timed_out.timed_out = true;
  timed_out.term_signal = SIGKILL;  // our own kill: the timeout is the first reason
  CHECK(judged(timed_out, std::nullopt).status == orch::RunStatus::kTimeout);

  orch::ProcessOutcome interrupted = timed_out;
  interrupted.interrupted_by = SIGINT;
  CHECK(judged(interrupted, std::nullopt).status == orch::RunStatus::kAborted);

  CHECK(judged(exited(0), std::string("{\"protocol")).status == orch::RunStatus::kBadResult);
  CHECK(judged(exited(0), std::nullopt).status == orch::RunStatus::kBadResult);

  orch::ProcessOutcome unlaunchable;
  unlaunchable.launch_error = "No such file or directory";
  CHECK(judged(unlaunchable, std::nullopt).status == orch::RunStatus::kLaunchFailed);
}

// Reading the worker's report and deciding how a run ended (the first reason wins).
#include <catch2/catch.hpp>
#include <csignal>

#include "measure/run_record.h"

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

// A report file as the scratch folder hands it over: its text, or none written.
orch::FileText report_file(const std::optional<std::string>& text) {
  orch::FileText file;
  file.text = text;
  file.missing = !text;
  return file;
}

orch::RunRecord judged(orch::ProcessOutcome process, std::optional<std::string> report,
                       protocol::ReportExpectations expected = {}) {
  orch::RunRecord run;
  run.process = std::move(process);
  run.expected = expected;
  orch::judge_run(run, report_file(report));
  return run;
}

orch::ProcessOutcome exited(int code) {
  orch::ProcessOutcome process;
  process.exit_code = code;
  return process;
}

}  // namespace

TEST_CASE("a complete report parses into phases, samples and runtime", "[protocol]") {
  auto report = protocol::parse_worker_report(kOkReport);
  CHECK(report.ok);
  REQUIRE(report.phases.size() == 2);
  CHECK(report.phases[1].name == "model_load");
  CHECK(report.phases[1].duration_ms == 100);
  CHECK(report.samples_ms == std::vector<double>{3, 1, 2});
  CHECK(report.runtime.allowed_cpus == std::vector<int>{0, 1});
  CHECK(report.runtime.torch.inter_op_threads == 2);
  CHECK(report.runtime.thread_env.at("OMP_NUM_THREADS") == "1");
}

TEST_CASE("garbage, truncated and incomplete reports are protocol errors", "[protocol]") {
  const std::string ok = kOkReport;
  for (
      const std::string& bad :
      {std::string("not json"), ok.substr(0, ok.size() / 2), std::string("{}"),
       std::string(R"({"protocol_version":99})"),
       std::string(
           R"({"protocol_version":1,"status":"ok","phases":[],"samples_ms":[],"runtime":{"allowed_cpus":[],"online_cpus":1,"thread_env":{}}})")})
    CHECK_THROWS_AS(protocol::parse_worker_report(bad), protocol::ProtocolError);
}

namespace {

// kOkReport as a worker on a GPU would write it: with CUDA event times, or without.
std::string gpu_report(const std::string& device_samples) {
  std::string report = kOkReport;
  report.replace(report.find("\"samples_ms\""), 0,
                 device_samples.empty() ? "" : "\"device_samples_ms\":" + device_samples + ",");
  return report;
}

orch::RunRecord judged_on_gpu(const std::string& report) {
  orch::RunRecord run;
  run.on_gpu = true;
  run.process = exited(0);
  orch::judge_run(run, report_file(report));
  return run;
}

}  // namespace

TEST_CASE("on a GPU the CUDA event times are kept and summarised next to the host times", "[protocol][gpu]") {
  auto run = judged_on_gpu(gpu_report("[2.5,0.5,1.5]"));
  CHECK(run.status == orch::RunStatus::kOk);
  CHECK(run.report->device_samples_ms == std::vector<double>{2.5, 0.5, 1.5});
  REQUIRE(run.device_latency);
  CHECK(run.device_latency->p50_ms == 1.5);
  CHECK(run.latency->p50_ms == 2);
}

TEST_CASE("a GPU run that reports host times only is a bad result", "[protocol][gpu]") {
  auto run = judged_on_gpu(gpu_report(""));
  CHECK(run.status == orch::RunStatus::kBadResult);
  CHECK_THAT(run.reason, Catch::Contains("host times only"));
}

TEST_CASE("CUDA event times that do not pair with the host samples are a bad result", "[protocol][gpu]") {
  auto run = judged_on_gpu(gpu_report("[2.5,0.5]"));
  CHECK(run.status == orch::RunStatus::kBadResult);
  CHECK_THAT(run.reason, Catch::Contains("device_samples_ms has 2 entries but samples_ms has 3"));
}

TEST_CASE("a negative latency is a bad result", "[protocol]") {
  auto run = judged_on_gpu(gpu_report("[2.5,-0.5,1.5]"));
  CHECK(run.status == orch::RunStatus::kBadResult);
  CHECK_THAT(run.reason, Catch::Contains("'device_samples_ms[1]' is -0.5"));
  std::string host = kOkReport;
  host.replace(host.find("[3,1,2]"), 7, "[3,-1,2]");
  CHECK(judged(exited(0), host).status == orch::RunStatus::kBadResult);
}

TEST_CASE("a clean exit with a complete report is ok, with latency statistics", "[protocol]") {
  auto run = judged(exited(0), std::string(kOkReport));
  CHECK(run.status == orch::RunStatus::kOk);
  REQUIRE(run.latency);
  CHECK(run.latency->p50_ms == 2);
  CHECK_FALSE(run.device_latency);  // the CPU has no device clock
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

TEST_CASE("security: a report that does not match the run's settings is a bad result", "[protocol][security]") {
  const std::string ok = kOkReport;
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string report = ok;
    report.replace(report.find(from), from.size(), to);
    return report;
  };
  const protocol::ReportExpectations three{3, 1000};
  CHECK(judged(exited(0), ok, three).status == orch::RunStatus::kOk);
  // Another number of samples than iterations: 10,000,000 for iterations: 5, say.
  auto extra = judged(exited(0), ok, {5, 1000});
  CHECK(extra.status == orch::RunStatus::kBadResult);
  CHECK(extra.reason == "bad report: reported 3 samples for iterations: 5");
  // A negative phase duration; a phase that ends after the run did.
  CHECK(judged(exited(0), replaced("\"duration_ms\":2.5", "\"duration_ms\":-2.5"), three).status ==
        orch::RunStatus::kBadResult);
  CHECK_THAT(judged(exited(0), ok, {3, 450}).reason, Catch::Contains("phase model_load ends after the run did"));
  // Samples that would overflow the mean, or take longer than the run.
  CHECK_THAT(judged(exited(0), replaced("[3,1,2]", "[1e308,1e308,1e308]"), three).reason,
             Catch::Contains("'samples_ms[0]' is"));
  CHECK_THAT(judged(exited(0), replaced("[3,1,2]", "[400,400,400]"), three).reason,
             Catch::Contains("add up to more than the run lasted"));
  // Numbers that do not fit what they count.
  CHECK_THAT(judged(exited(0), replaced("\"online_cpus\":2", "\"online_cpus\":2,\"pid\":99999999999"), three).reason,
             Catch::Contains("'pid' is out of range"));
  CHECK_THAT(judged(exited(0), replaced("\"online_cpus\":2", "\"online_cpus\":1e3"), three).reason,
             Catch::Contains("'online_cpus' is not an integer"));
  CHECK_THAT(judged(exited(0), replaced("\"allowed_cpus\":[0,1]", "\"allowed_cpus\":[0,-1]"), three).reason,
             Catch::Contains("'allowed_cpus' is -1"));
}

TEST_CASE("security: a report's bytes are never echoed, and a worker's error is one short line",
          "[protocol][security]") {
  // What a symbolic link to a root-only file would have fed in.
  auto secret = judged(exited(0), std::string("root:$6$secret-hash:19000:0:99999:7:::\n"));
  CHECK(secret.status == orch::RunStatus::kBadResult);
  CHECK(secret.reason == "bad report: not valid JSON (at byte 1)");
  // A 50 MB error, several lines long: its first line, capped.
  std::string error_report = R"({"protocol_version":1,"status":"error","failed_phase":"model_load","phases":[],
      "samples_ms":[],"runtime":{"allowed_cpus":[0],"online_cpus":1,"thread_env":{}},"error":")";
  error_report += std::string(50 << 20, 'x') + "\\nsecond line\"}";
  auto error = judged(exited(1), error_report);
  CHECK(error.status == orch::RunStatus::kError);
  CHECK(error.reason.size() <= orch::kMaxReasonBytes);
  CHECK_THAT(error.reason, Catch::StartsWith("model_load: xxx") && Catch::EndsWith("[more in stderr_tail]"));
  // Control characters cannot forge a log line or recolour a terminal.
  auto forged = exited(1);
  forged.stderr_tail = "fatal: \x1b[31mred\r2026-12-01 00:00:00 info all ok\n";
  CHECK(judged(forged, std::nullopt).reason == "exit code 1: fatal: \\x1b[31mred\\r2026-12-01 00:00:00 info all ok");
}

TEST_CASE("security: a report file that was not read (a FIFO, a link) is a bad result saying why",
          "[protocol][security]") {
  orch::RunRecord run;
  run.process = exited(0);
  orch::FileText fifo;
  fifo.problem = "it is a FIFO, not a regular file";
  orch::judge_run(run, fifo);
  CHECK(run.status == orch::RunStatus::kBadResult);
  CHECK(run.reason == "the report was not read: it is a FIFO, not a regular file");
}

TEST_CASE("security: a number too large for any field is a bad result, not a crash, and is not echoed",
          "[protocol][security]") {
  std::string report = kOkReport;
  report.replace(report.find("[3,1,2]"), 7, "[3,1,1e400]");
  auto huge = judged(exited(0), report);
  CHECK(huge.status == orch::RunStatus::kBadResult);
  CHECK(huge.reason == "bad report: a number in it is too large for any field");
  report = kOkReport;
  report.replace(report.find("\"online_cpus\":2"), 15, "\"online_cpus\":" + std::string(5000, '9'));
  auto digits = judged(exited(0), report);
  CHECK(digits.status == orch::RunStatus::kBadResult);
  CHECK(digits.reason.find("99999") == std::string::npos);
}

TEST_CASE("security: what a worker wrote is stored printable: no escape sequence reaches a terminal through sqlite3",
          "[protocol][security]") {
  std::string report = kOkReport;
  report.replace(report.find("\"parallel_info\":\"...\""), 21,
                 "\"parallel_info\":\"line 1\\nline 2\",\"device_name\":\"\\u001b]0;PWNED\\u0007\\u001b[2J\"");
  report.replace(report.find("/usr/lib/libopenblas.so.0"), 25, "/x\\u001b[31m");
  auto process = exited(0);
  process.stderr_tail = "warning\n\x1b[2Jcleared\n";
  auto run = judged(process, report);
  REQUIRE(run.status == orch::RunStatus::kOk);
  CHECK(run.report->runtime.torch.device_name == "\\x1b]0;PWNED\\x07\\x1b[2J");
  CHECK(run.report->runtime.blas_libraries.at(0) == "/x\\x1b[31m");
  CHECK(run.report->runtime.torch.parallel_info == "line 1\nline 2");  // lines stay lines
  CHECK(run.process.stderr_tail == "warning\n\\x1b[2Jcleared\n");
}

TEST_CASE("limits: what the worker read inside and what we read outside are both compared with the asked", "[limits]") {
  orch::CellSettings asked;
  asked.cpuset = {0};
  asked.cpu_quota_percent = 50;
  asked.memory_bytes = 1 << 30;
  orch::RunRecord run = judged(exited(0), kOkReport);
  REQUIRE(run.report);
  run.report->runtime.allowed_cpus = {0};
  run.report->runtime.cgroup.cpu_quota_percent = 50;
  run.report->runtime.cgroup.memory_limit_bytes = int64_t{1} << 30;

  SECTION("both agree") {
    run.evidence.cgroup = orch::CgroupReadings{};
    run.evidence.cgroup->cpu_quota_percent = 50;
    run.evidence.cgroup->cpus = "0\n";
    run.evidence.cgroup->memory_limit_bytes = int64_t{1} << 30;
    run.evidence.cgroup_limits = {50.0, {0}, int64_t{1} << 30};
    orch::verify_limits(asked, run);
    CHECK(run.limit_mismatches.empty());
  }
  SECTION("the worker saw no quota") {
    run.report->runtime.cgroup.cpu_quota_percent.reset();
    orch::verify_limits(asked, run);
    CHECK(run.limit_mismatches == std::vector<std::string>{"cpu_quota: asked 50%, in effect none"});
  }
  SECTION("the run's cgroup, read from outside, had another memory limit") {
    run.evidence.cgroup = orch::CgroupReadings{};
    run.evidence.cgroup->memory_limit_bytes = int64_t{1} << 20;
    run.evidence.cgroup_limits.memory_bytes = int64_t{1} << 30;  // made to enforce only that
    orch::verify_limits(asked, run);
    CHECK(run.limit_mismatches ==
          std::vector<std::string>{"memory: asked 1073741824 bytes, in effect 1048576 bytes (read from outside)"});
  }
  SECTION("a tracking cgroup made without limits is not compared") {
    run.evidence.cgroup = orch::CgroupReadings{};  // taskset's cpuset is not the group's
    orch::verify_limits(asked, run);
    CHECK(run.limit_mismatches.empty());
  }
}

TEST_CASE("security: a report of another input shape than the run asked for is a bad result", "[protocol][security]") {
  protocol::ReportExpectations expected;
  expected.input_shape = {8, 3, 8, 8};  // kOkReport ran [1,3,8,8]
  const auto run = judged(exited(0), kOkReport, expected);
  CHECK(run.status == orch::RunStatus::kBadResult);
  CHECK_THAT(run.reason, Catch::Contains("input shape is not the one the run asked for"));
  expected.input_shape = {1, 3, 8, 8};
  CHECK(judged(exited(0), kOkReport, expected).status == orch::RunStatus::kOk);
}

// Trust warnings: each one raised by its cause and by nothing else.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "measure/warnings.h"

namespace {

orch::RunRecord clean_run() {
  orch::RunRecord run;
  run.latency = orch::summarize({10, 10.1, 9.9, 10});
  protocol::WorkerReport report;
  report.ok = true;
  report.runtime.allowed_cpus = {0, 1};
  report.runtime.torch.intra_op_threads = 2;
  report.runtime.threads_observed = 2;
  run.report = report;
  return run;
}

}  // namespace

TEST_CASE("a clean run has no warning", "[warnings]") { CHECK(orch::run_warnings(clean_run(), 0).empty()); }

TEST_CASE("each run warning has its own cause, and fires when it changes the conclusion", "[warnings]") {
  auto noisy = clean_run();  // iterations between 8 and 12 ms: the p50 of 20 is uncertain by ~10%
  for (int i = 0; i < 20; ++i) noisy.report->samples_ms.push_back(8 + (i * 7 % 20) / 5.0);
  noisy.latency = orch::summarize(noisy.report->samples_ms);
  CHECK(orch::run_warnings(noisy, 0) == std::vector<std::string>{"cv"});
  auto tail = clean_run();  // a long tail (every 10th iteration 5x slower) leaves the p50 precise
  for (int i = 0; i < 1000; ++i) tail.report->samples_ms.push_back(i % 10 == 0 ? 50 : 10 + (i % 7) * 0.001);
  tail.latency = orch::summarize(tail.report->samples_ms);
  CHECK(tail.latency->cv > 0.5);  // the old rule, stddev / mean above 5%, fired here
  CHECK(orch::run_warnings(tail, 0).empty());

  auto throttled = clean_run();
  throttled.process.wall_ms = 1000;
  throttled.evidence.cgroup = orch::CgroupReadings{};
  throttled.evidence.cgroup->throttled_ms = 12.5;  // 1.25% of the run
  CHECK(orch::run_warnings(throttled, 0) == std::vector<std::string>{"throttled"});
  throttled.evidence.cgroup->throttled_ms = 2.9;  // one period of 2.9 ms in a second: nothing changed
  CHECK(orch::run_warnings(throttled, 0).empty());

  auto oversubscribed = clean_run();
  oversubscribed.report->runtime.torch.intra_op_threads = 16;
  CHECK(orch::run_warnings(oversubscribed, 0) == std::vector<std::string>{"oversubscribed"});
  auto over_quota = clean_run();  // 2 threads, 2 CPUs, but a 100% quota: one CPU's worth of time
  over_quota.report->runtime.cgroup.cpu_quota_percent = 100;
  CHECK(orch::run_warnings(over_quota, 0) == std::vector<std::string>{"oversubscribed"});
  over_quota.report->runtime.cgroup.cpu_quota_percent = 200;
  CHECK(orch::run_warnings(over_quota, 0).empty());

  auto warm_after_drop = clean_run();
  warm_after_drop.cache_action = "dropped all caches in 31 ms";
  warm_after_drop.libtorch_resident_pct = 47;  // other processes had it mapped
  CHECK(orch::run_warnings(warm_after_drop, 0) == std::vector<std::string>{"not-cold"});
  warm_after_drop.libtorch_resident_pct = 2;
  CHECK(orch::run_warnings(warm_after_drop, 0).empty());

  auto mismatched = clean_run();
  mismatched.limit_mismatches = {"cpu_quota: asked 200%, in effect none"};
  CHECK(orch::run_warnings(mismatched, 0) == std::vector<std::string>{"limits"});

  CHECK(orch::run_warnings(clean_run(), 4096) == std::vector<std::string>{"swap"});
}

TEST_CASE("a first measured run much slower than the rest is flagged", "[warnings]") {
  CHECK(orch::cell_warnings({900, 400, 410, 395}) == std::vector<std::string>{"first-run-slow"});
  CHECK(orch::cell_warnings({450, 400, 410, 395}).empty());  // 1.12x: within 1.5x
  CHECK(orch::cell_warnings({900, 400}).empty());            // too few runs to judge
}

TEST_CASE("host warnings: governor, load, swap", "[warnings]") {
  orch::HostState quiet{"performance", 0.2, 2, 0};
  CHECK(orch::host_warnings(quiet).empty());
  CHECK(orch::host_warnings({"", 0.2, 2, 0}).empty());  // no cpufreq (a VM): nothing to say
  CHECK(orch::host_warnings({"powersave", 0.2, 2, 0}) == std::vector<std::string>{"governor"});
  CHECK(orch::host_warnings({"performance", 0.6, 2, 0}) == std::vector<std::string>{"load"});
  CHECK(orch::host_warnings({"performance", 4.0, 64, 0}).empty());  // 4 busy of 64: under 10%
  CHECK(orch::host_warnings({"performance", 7.0, 64, 0}) == std::vector<std::string>{"load"});
  // A high load average alone (a build that has just finished) is not load now.
  CHECK(orch::host_warnings({"performance", 0.1, 2, 0, 3.5}).empty());
  CHECK(orch::host_warnings({"performance", 0.2, 2, 1 << 20}) == std::vector<std::string>{"swap"});
  CHECK(orch::join_codes({"cv", "swap"}) == "cv,swap");
}

TEST_CASE("a CPU kept busy by another process during the start is measured as load, without a wait", "[warnings]") {
  const pid_t spinner = ::fork();  // another process: not this one's own work, and not reaped in the window
  REQUIRE(spinner >= 0);
  if (spinner == 0)
    for (;;) {
    }
  orch::HostLoad load;
  CHECK_FALSE(load.busy_cpus(true));                            // nothing to tell before the first spawn
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // stands for the orchestrator's own work
  load.spawned();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // stands for the first run
  load.reaped();
  ::kill(spinner, SIGKILL);
  ::waitpid(spinner, nullptr, 0);
  const int cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  for (const bool child_is_worker : {true, false}) {  // to the reap, or (docker) to the spawn
    const double busy = load.busy_cpus(child_is_worker).value_or(0);
    CHECK(busy > 0.8);  // the spinning process: one CPU's worth, give or take the rest
    CHECK(busy <= cpus);
  }
  orch::HostLoad brief;  // a window of a few ms: a stray tick would read as a busy CPU
  brief.spawned();
  CHECK_FALSE(brief.busy_cpus(false));
}

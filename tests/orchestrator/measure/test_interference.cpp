// Interference arithmetic between two snapshots, and the machine read for real.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "measure/interference.h"

TEST_CASE("interference: others' share is the CPUs' busy time less the run's own, over their capacity",
          "[interference-unit]") {
  const double tick_ms = 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
  orch::MachineSnapshot before, after;
  before.cpus = after.cpus = {0, 1};
  before.monotonic_ns = 0;
  after.monotonic_ns = 2'000'000'000;                        // 2 s on 2 CPUs: 4000 ms of capacity
  after.time.busy = static_cast<long long>(3000 / tick_ms);  // 3000 ms busy, 1000 of them the run's
  after.time.steal = static_cast<long long>(400 / tick_ms);
  before.cpu_pressure_us = 1'000'000;
  after.cpu_pressure_us = 1'500'000;
  before.procs_running = 2;
  after.procs_running = 4;
  const auto result = orch::interference_between(before, after, 1000);
  CHECK(result.cpus == 2);
  CHECK(result.others_cpu_share == Approx(0.5));
  CHECK(result.steal_share == Approx(0.1));
  CHECK(result.cpu_pressure_share.value_or(-1) == Approx(0.25));
  CHECK(result.runnable_others == Approx(2));
  CHECK(orch::describe_interference(result) == "others used 1 CPU of its 2 (50%), the hypervisor stole 10%");
  // A run that used more than the CPUs' busy time (ticks are coarse) leaves others none.
  CHECK(orch::interference_between(before, after, 5000).others_cpu_share == 0);
}

TEST_CASE("interference: /proc/stat is read per CPU and in total", "[interference-unit]") {
  const auto all = orch::read_cpu_time();
  const auto first = orch::read_cpu_time({0});
  CHECK(all.total > 0);
  CHECK(first.total > 0);
  CHECK(first.total <= all.total);
  const auto snapshot = orch::take_machine_snapshot({0});
  CHECK(snapshot.procs_running >= 1);
}

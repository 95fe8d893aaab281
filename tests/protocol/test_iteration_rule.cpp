// iterations: auto's rule, shared by the workers (which stop by it) and the
// orchestrator (which checks that a report that stopped early had reason to).
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <vector>

#include "protocol/order_statistics.h"
#include "protocol/worker_flags.h"
#include "protocol/worker_report.h"

namespace {

protocol::WorkerInvocation adaptive(int min, int max, double target_percent) {
  protocol::WorkerInvocation run;
  run.min_iterations = min;
  run.iterations = max;
  run.iterations_target_percent = target_percent;
  return run;
}

// Samples of 10 ms with +-`spread` uniform noise.
std::vector<double> samples(size_t n, double spread, unsigned seed = 3) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> noise(-spread, spread);
  std::vector<double> values;
  for (size_t i = 0; i < n; ++i) values.push_back(10 + noise(random));
  return values;
}

protocol::WorkerInvocation rule_of(const protocol::ReportExpectations& expected) {
  return adaptive(expected.min_iterations, expected.iterations, expected.iterations_target_percent);
}

}  // namespace

TEST_CASE("iteration rule: a fixed count runs exactly that many", "[protocol]") {
  protocol::WorkerInvocation fixed;
  fixed.iterations = 5;
  CHECK_FALSE(protocol::enough_iterations(samples(4, 0), fixed));
  CHECK(protocol::enough_iterations(samples(5, 0), fixed));
  protocol::IterationRule rule(fixed);
  std::vector<double> taken;
  while (!rule.done(taken)) taken.push_back(1);
  CHECK(taken.size() == 5);
}

TEST_CASE("iteration rule: auto stops once the p50 is within the target, not before min_iterations", "[protocol]") {
  // 1% noise: the median's interval is well within 2% from the first check on.
  const auto run = adaptive(20, 10000, 2);
  protocol::IterationRule rule(run);
  std::vector<double> taken;
  const auto source = samples(10000, 0.1);
  while (!rule.done(taken)) taken.push_back(source[taken.size()]);
  CHECK(taken.size() == 20);
  CHECK(*protocol::median_precision(taken) <= 0.02);
  // 50% noise: it takes more, and stops at a check where the rule holds.
  protocol::IterationRule noisy_rule(run);
  const auto noisy = samples(10000, 5);
  taken.clear();
  while (!noisy_rule.done(taken)) taken.push_back(noisy[taken.size()]);
  CHECK(taken.size() > 20);
  CHECK(taken.size() < 10000);
  CHECK(protocol::enough_iterations(taken, run));
  // A target it cannot reach: the most.
  protocol::IterationRule strict_rule(adaptive(20, 300, 0.01));
  taken.clear();
  while (!strict_rule.done(taken)) taken.push_back(noisy[taken.size()]);
  CHECK(taken.size() == 300);
}

TEST_CASE("iteration rule: the orchestrator refuses a report that stopped early without reaching the target",
          "[protocol]") {
  protocol::WorkerReport report;
  report.ok = true;
  report.input = {"/m.pt", {1, 3, 8, 8}, "cpu"};
  report.runtime.torch = {"1.13.0", true, false, true, 1, 1, "", ""};
  report.runtime.allowed_cpus = {0};
  report.runtime.online_cpus = 1;
  report.runtime.threads_observed = 1;
  report.runtime.pid = 4242;
  protocol::ReportExpectations expected;
  expected.iterations = 1000;
  expected.min_iterations = 20;
  expected.iterations_target_percent = 2;
  report.samples_ms = samples(30, 0.1);
  CHECK(protocol::parse_worker_report(protocol::to_json(report), expected).samples_ms.size() == 30);
  report.samples_ms = samples(30, 5);  // +-50%: not within 2% at 30
  CHECK_THROWS_WITH(protocol::parse_worker_report(protocol::to_json(report), expected),
                    Catch::Contains("stopped after 30 of at most 1000 iterations"));
  // 20, 21, ... 40, 42: 41 is no checkpoint of the rule, however precise.
  CHECK(protocol::is_checkpoint(40, rule_of(expected)));
  report.samples_ms = samples(41, 0.1);
  CHECK_THROWS_WITH(protocol::parse_worker_report(protocol::to_json(report), expected),
                    Catch::Contains("not a checkpoint"));
  report.samples_ms = samples(10, 0.1);  // fewer than min_iterations
  CHECK_THROWS_WITH(protocol::parse_worker_report(protocol::to_json(report), expected),
                    Catch::Contains("10 samples for iterations: auto from 20 to 1000"));
  report.samples_ms = samples(1000, 5);  // the most, whatever its precision
  CHECK_NOTHROW(protocol::parse_worker_report(protocol::to_json(report), expected));
}

TEST_CASE("iteration rule: the flags reach the worker only for iterations: auto, with every digit of the target",
          "[protocol]") {
  protocol::WorkerInvocation fixed;
  const auto plain = protocol::to_argv("w", fixed);
  CHECK(std::find(plain.begin(), plain.end(), protocol::flag::kMinIterations) == plain.end());
  const auto argv = protocol::to_argv("w", adaptive(20, 1000, 2.0 / 3));
  const auto at = std::find(argv.begin(), argv.end(), protocol::flag::kIterationsTargetPercent);
  REQUIRE(at != argv.end());
  CHECK(std::stod(*(at + 1)) == 2.0 / 3);
  CHECK(*(std::find(argv.begin(), argv.end(), protocol::flag::kMinIterations) + 1) == "20");
}

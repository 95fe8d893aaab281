// bench_worker: one benchmark run in a fresh process. Times each phase with the
// monotonic clock, keeps every timed iteration, and reports what was in effect.
// Standard types only: LibTorch lives in the plugin it dlopen()s (torch_session.cpp).
// Its flags and its report are the shared protocol (protocol/worker_flags.h,
// protocol/worker_report.h).
#include <dlfcn.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "inference_session.h"
#include "process_facts.h"
#include "protocol/cpu_affinity.h"
#include "protocol/worker_flags.h"
#include "protocol/worker_report.h"
#include "report_file.h"

namespace {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux
namespace phase = protocol::phase;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

double ms_between(int64_t from_ns, int64_t to_ns) { return (to_ns - from_ns) / 1e6; }

// Runs named phases in order, timing each; the phase that throws is remembered.
class PhaseRecorder {
 public:
  PhaseRecorder(protocol::WorkerReport& report, int64_t origin_ns) : report_(report), origin_ns_(origin_ns) {}

  template <typename Fn>
  void run(const std::string& name, Fn&& fn) {
    report_.failed_phase = name;
    const int64_t start = now_ns();
    fn();
    report_.phases.push_back({name, ms_between(origin_ns_, start), ms_between(start, now_ns())});
    report_.failed_phase.clear();
  }

 private:
  protocol::WorkerReport& report_;
  int64_t origin_ns_;
};

std::filesystem::path own_directory() { return std::filesystem::read_symlink("/proc/self/exe").parent_path(); }

std::unique_ptr<worker::InferenceSession> load_plugin() {
  const auto path = own_directory() / protocol::kPluginFileName;
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) throw std::runtime_error(std::string("dlopen failed: ") + dlerror());
  auto create = reinterpret_cast<worker::CreateSessionFn>(dlsym(handle, worker::kCreateSessionSymbol));
  if (create == nullptr) throw std::runtime_error(path.string() + " lacks bench_create_session");
  return std::unique_ptr<worker::InferenceSession>(create());
}

void run_benchmark(const protocol::WorkerInvocation& run, protocol::WorkerReport& report, PhaseRecorder& phases) {
  std::unique_ptr<worker::InferenceSession> session;
  phases.run(phase::kLibraryLoad, [&] { session = load_plugin(); });
  phases.run(phase::kRuntimeInit, [&] { session->init_runtime(run); });
  report.runtime.torch = session->runtime_info();
  phases.run(phase::kModelLoad, [&] { session->load_model(); });
  phases.run(phase::kFirstInference, [&] { session->infer(); });
  phases.run(phase::kWarmup, [&] {
    for (int i = 0; i < run.warmup_iterations; ++i) session->infer();
  });
  report.samples_ms.reserve(static_cast<size_t>(run.iterations));
  // Every iteration timed, up to --iterations; with --min-iterations, until the run's
  // p50 is as precise as asked (protocol::IterationRule).
  protocol::IterationRule rule(run);
  phases.run(phase::kTimedLoop, [&] {
    while (!rule.done(report.samples_ms)) {
      const int64_t start = now_ns();
      const std::optional<double> device_ms = session->infer();
      report.samples_ms.push_back(ms_between(start, now_ns()));
      if (device_ms) report.device_samples_ms.push_back(*device_ms);
    }
  });
  report.runtime.torch = session->runtime_info();  // again: the pools are up now
}

// What this process found in effect, for the report.
protocol::WorkerRuntime observed_runtime(const protocol::TorchRuntime& torch) {
  protocol::WorkerRuntime runtime;
  runtime.torch = torch;
  runtime.allowed_cpus = protocol::own_affinity();
  runtime.online_cpus = worker::online_cpu_count();
  runtime.thread_env = worker::thread_env();
  runtime.blas_libraries = worker::mapped_blas_libraries();
  runtime.threads_observed = worker::thread_count();
  runtime.pid = static_cast<int>(getpid());
  runtime.uid = static_cast<int>(getuid());
  runtime.cgroup = protocol::probe_own_limits();
  runtime.self_usage = worker::self_usage();
  return runtime;
}

// The files whose page-cache state decides this worker's cold start: everything it
// maps once LibTorch is loaded (itself, the plugin, libtorch_cpu.so and the rest).
int list_cold_files() {
  try {
    const auto session = load_plugin();
    for (const auto& path : worker::mapped_files()) std::cout << path << '\n';
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_worker: " << e.what() << '\n';
    return 1;
  }
}

// The calibration kernel's mean step, in ms, on stdout (protocol::kCalibrate): its
// timed window over its steps, so that a neighbour's job sharing the CPU counts, as it
// would for a run, and so does a slower CPU (its clock, its caches, shared memory).
int calibrate() {
  try {
    const auto session = load_plugin();
    session->prepare_calibration();
    for (int i = 0; i < protocol::kCalibrationWarmupSteps; ++i) session->calibration_step();
    const int64_t start = now_ns();
    for (int i = 0; i < protocol::kCalibrationSteps; ++i) session->calibration_step();
    std::cout.precision(9);
    std::cout << ms_between(start, now_ns()) / protocol::kCalibrationSteps << '\n';
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_worker: " << e.what() << '\n';
    return 1;
  }
}

int probe(const std::string& device) {
  try {
    const std::string problem = load_plugin()->device_problem(device);
    std::cout << (problem.empty() ? "ok" : problem) << '\n';
    return problem.empty() ? 0 : 1;
  } catch (const std::exception& e) {
    std::cout << e.what() << '\n';
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t main_ns = now_ns();
  namespace flag = protocol::flag;

  protocol::WorkerInvocation run;
  std::string probe_device;
  bool cold_files = false, calibration = false;
  CLI::App app{"bench_worker: one timed LibTorch inference run (normally started by orchestrator)"};
  app.add_option(flag::kModel, run.model, "TorchScript file (required for a run)");
  app.add_option(flag::kProbeDevice, probe_device,
                 "only check that LibTorch can use this device: prints why not, exits 1");
  app.add_flag(flag::kListColdFiles, cold_files,
               "only print the files whose caching decides a cold start (for cache: evict), one per line");
  app.add_flag(flag::kCalibrate, calibration,
               "only time the calibration kernel (a fixed matrix product on one thread): prints its mean step in ms");
  app.add_option(flag::kInputShape, run.input_shape, "e.g. 1,3,224,224")->delimiter(',');
  app.add_option(flag::kDevice, run.device, "cpu, cuda or cuda:N");
  app.add_option(flag::kWarmupIterations, run.warmup_iterations)->check(CLI::NonNegativeNumber);
  app.add_option(flag::kIterations, run.iterations, "timed iterations; with --min-iterations, the most")
      ->check(CLI::PositiveNumber);
  app.add_option(flag::kMinIterations, run.min_iterations,
                 "iterations: auto: at least this many, then stop once the p50 is within the target")
      ->check(CLI::PositiveNumber);
  app.add_option(flag::kIterationsTargetPercent, run.iterations_target_percent,
                 "iterations: auto: the p50's 95% interval within +- this percent")
      ->check(CLI::Range(0.0, 100.0));
  app.add_option(flag::kIntraOpThreads, run.intra_op_threads, "at::set_num_threads; 0 keeps default");
  app.add_option(flag::kInterOpThreads, run.inter_op_threads, "at::set_num_interop_threads");
  app.add_option(flag::kSpawnNs, run.spawn_ns, "the launcher's CLOCK_MONOTONIC reading just before spawning");
  app.add_option(flag::kResult, run.result_path, "where to write the JSON report (default: stdout)");
  CLI11_PARSE(app, argc, argv);
  if (!probe_device.empty()) return probe(probe_device);
  if (cold_files) return list_cold_files();
  if (calibration) return calibrate();
  if (run.model.empty()) {
    std::cerr << "bench_worker: " << flag::kModel << " is required\n";
    return 2;
  }
  if (run.input_shape.empty()) run.input_shape = protocol::WorkerInvocation{}.input_shape;

  protocol::WorkerReport report;
  report.input = {run.model, run.input_shape, run.device};
  const int64_t spawn_ns = run.spawn_ns.empty() ? 0 : std::stoll(run.spawn_ns);
  const int64_t origin_ns = spawn_ns > 0 ? spawn_ns : main_ns;
  report.clock_origin = spawn_ns > 0 ? "spawn" : "worker_main";
  if (spawn_ns > 0) report.phases.push_back({phase::kProcessStart, 0.0, ms_between(spawn_ns, main_ns)});

  PhaseRecorder phases(report, origin_ns);
  try {
    run_benchmark(run, report, phases);
    report.ok = true;
  } catch (const std::exception& e) {
    report.error = e.what();
  }
  report.runtime = observed_runtime(report.runtime.torch);

  try {
    if (run.result_path.empty())
      std::cout << protocol::to_json(report) << '\n';
    else
      worker::write_report_file(run.result_path, protocol::to_json(report));
  } catch (const std::exception& e) {
    std::cerr << "bench_worker: " << e.what() << '\n';
    return 2;
  }
  if (!report.ok) std::cerr << "bench_worker: " << report.failed_phase << ": " << report.error << '\n';
  return report.ok ? 0 : 1;
}

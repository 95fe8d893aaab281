// bench_worker: one benchmark run in a fresh process. Times each phase with the
// monotonic clock, keeps every timed iteration, and reports what was in effect.
// Standard types only: LibTorch lives in the plugin it dlopen()s (torch_session.cpp).
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

#include "protocol/cpu_affinity.h"
#include "inference_session.h"
#include "process_facts.h"
#include "result_document.h"

namespace {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

double ms_between(int64_t from_ns, int64_t to_ns) { return (to_ns - from_ns) / 1e6; }

// Runs named phases in order, timing each; the phase that throws is remembered.
class PhaseRecorder {
 public:
  PhaseRecorder(worker::ResultDocument& doc, int64_t origin_ns) : doc_(doc), origin_ns_(origin_ns) {}

  template <typename Fn>
  void run(const std::string& name, Fn&& fn) {
    doc_.failed_phase = name;
    const int64_t start = now_ns();
    fn();
    doc_.phases.push_back({name, ms_between(origin_ns_, start), ms_between(start, now_ns())});
    doc_.failed_phase.clear();
  }

 private:
  worker::ResultDocument& doc_;
  int64_t origin_ns_;
};

std::filesystem::path own_directory() {
  return std::filesystem::read_symlink("/proc/self/exe").parent_path();
}

std::unique_ptr<worker::InferenceSession> load_plugin() {
  const auto path = own_directory() / worker::kPluginFileName;
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) throw std::runtime_error(std::string("dlopen failed: ") + dlerror());
  auto create = reinterpret_cast<worker::CreateSessionFn>(dlsym(handle, worker::kCreateSessionSymbol));
  if (create == nullptr) throw std::runtime_error(path.string() + " lacks bench_create_session");
  return std::unique_ptr<worker::InferenceSession>(create());
}

void run_benchmark(worker::ResultDocument& doc, PhaseRecorder& phases, int warmup_iterations,
                   int iterations) {
  std::unique_ptr<worker::InferenceSession> session;
  phases.run("library_load", [&] { session = load_plugin(); });
  phases.run("runtime_init", [&] { session->init_runtime(doc.input); });
  doc.torch = session->runtime_info();
  phases.run("model_load", [&] { session->load_model(); });
  phases.run("first_inference", [&] { session->infer(); });
  phases.run("warmup", [&] {
    for (int i = 0; i < warmup_iterations; ++i) session->infer();
  });
  doc.samples_ms.reserve(iterations);
  phases.run("timed_loop", [&] {
    for (int i = 0; i < iterations; ++i) {
      const int64_t start = now_ns();
      const std::optional<double> device_ms = session->infer();
      doc.samples_ms.push_back(ms_between(start, now_ns()));
      if (device_ms) doc.device_samples_ms.push_back(*device_ms);
    }
  });
  doc.torch = session->runtime_info();  // again: the pools are up now
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

  worker::ResultDocument doc;
  int64_t spawn_ns = 0;
  int warmup_iterations = 10;
  int iterations = 100;
  std::string result_path;
  std::string probe_device;
  bool cold_files = false;
  CLI::App app{"bench_worker: one timed LibTorch inference run (normally started by orchestrator)"};
  app.add_option("--model", doc.input.model_path, "TorchScript file (required for a run)");
  app.add_option("--probe-device", probe_device,
                 "only check that LibTorch can use this device: prints why not, exits 1");
  app.add_flag("--list-cold-files", cold_files,
               "only print the files whose caching decides a cold start (for cache: evict), one per line");
  app.add_option("--input-shape", doc.input.input_shape, "e.g. 1,3,224,224")->delimiter(',');
  app.add_option("--device", doc.input.device, "cpu or cuda");
  app.add_option("--warmup-iterations", warmup_iterations)->check(CLI::NonNegativeNumber);
  app.add_option("--iterations", iterations)->check(CLI::PositiveNumber);
  app.add_option("--intra-op-threads", doc.input.intra_op_threads, "at::set_num_threads; 0 keeps default");
  app.add_option("--inter-op-threads", doc.input.inter_op_threads, "at::set_num_interop_threads");
  app.add_option("--spawn-ns", spawn_ns, "the launcher's steady_clock reading just before spawning");
  app.add_option("--result", result_path, "where to write the JSON report (default: stdout)");
  CLI11_PARSE(app, argc, argv);
  if (!probe_device.empty()) return probe(probe_device);
  if (cold_files) return list_cold_files();
  if (doc.input.model_path.empty()) {
    std::cerr << "bench_worker: --model is required\n";
    return 2;
  }
  if (doc.input.input_shape.empty()) doc.input.input_shape = {1, 3, 224, 224};

  const int64_t origin_ns = spawn_ns > 0 ? spawn_ns : main_ns;
  doc.clock_origin = spawn_ns > 0 ? "spawn" : "worker_main";
  if (spawn_ns > 0) doc.phases.push_back({"process_start", 0.0, ms_between(spawn_ns, main_ns)});

  PhaseRecorder phases(doc, origin_ns);
  try {
    run_benchmark(doc, phases, warmup_iterations, iterations);
  } catch (const std::exception& e) {
    doc.error = e.what();
  }
  doc.allowed_cpus = orch::own_affinity();
  doc.online_cpus = worker::online_cpu_count();
  doc.thread_env = worker::thread_env();
  doc.blas_libraries = worker::mapped_blas_libraries();
  doc.threads_observed = worker::thread_count();
  doc.pid = static_cast<int>(getpid());
  doc.uid = static_cast<int>(getuid());
  doc.limits = orch::probe_own_limits();
  doc.usage = worker::self_usage();

  try {
    if (result_path.empty())
      std::cout << worker::to_json(doc) << '\n';
    else
      worker::write_document(result_path, doc);
  } catch (const std::exception& e) {
    std::cerr << "bench_worker: " << e.what() << '\n';
    return 2;
  }
  if (!doc.error.empty()) std::cerr << "bench_worker: " << doc.failed_phase << ": " << doc.error << '\n';
  return doc.error.empty() ? 0 : 1;
}

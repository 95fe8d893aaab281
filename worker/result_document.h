// The worker's report: one JSON document (schemas/worker-result.schema.json), written
// to the file the orchestrator names, never to stdout where libraries print.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/cgroup_probe.h"
#include "inference_session.h"
#include "process_facts.h"

namespace worker {

inline constexpr int kProtocolVersion = 1;

// A phase's start is an offset from the clock origin: the orchestrator's spawn
// timestamp when it gave one, else the worker's own main(). Both come from
// CLOCK_MONOTONIC (std::chrono::steady_clock), which is system-wide.
struct Phase {
  std::string name;
  double start_ms = 0;
  double duration_ms = 0;
};

struct ResultDocument {
  std::string error;         // empty when every phase completed
  std::string failed_phase;  // the phase that threw, when error is set
  std::string clock_origin;  // "spawn" or "worker_main"
  std::vector<Phase> phases;
  std::vector<double> samples_ms;  // one per timed iteration, in order
  // On a GPU, the same iterations timed by CUDA events on the device; else empty.
  std::vector<double> device_samples_ms;
  SessionOptions input;
  std::optional<TorchRuntimeInfo> torch;
  std::vector<int> allowed_cpus;
  int online_cpus = 0;
  std::map<std::string, std::string> thread_env;
  std::vector<std::string> blas_libraries;
  int threads_observed = 0;
  int uid = 0;  // the user it runs as
  int pid = 0;  // as the worker sees itself: 1 or 2 inside a fresh PID namespace
  orch::ProcessLimits limits;
  orch::ResourceUsage usage;
};

std::string to_json(const ResultDocument& doc);
// Writes atomically (temporary file + rename): a reader sees all of it or nothing.
void write_document(const std::string& path, const ResultDocument& doc);

}  // namespace worker

// The contract between the thin worker and its LibTorch plugin: standard types only,
// so nothing but torch_session.cpp ever includes a LibTorch header.
#pragma once

#include <optional>
#include <string>

#include "protocol/worker_flags.h"
#include "protocol/worker_report.h"

namespace worker {

// One model on one device. Every call blocks until its work is finished
// (on a GPU that means synchronised), so the caller's clock reads are honest.
// infer() also returns the device's own time for the call (CUDA events) on a GPU.
class InferenceSession {
 public:
  virtual ~InferenceSession() = default;
  // Applies the run's thread settings and creates its input tensor (model, shape, device).
  virtual void init_runtime(const protocol::WorkerInvocation& run) = 0;
  virtual void load_model() = 0;
  virtual std::optional<double> infer() = 0;
  // What LibTorch reports about itself (on a GPU with the device's name, cuda_driver.h).
  virtual protocol::TorchRuntime runtime_info() const = 0;
  // The machine's speed, for its drift over an experiment: on one thread, the product
  // of two fixed 256x256 float matrices, with the BLAS LibTorch uses. Prepare once,
  // then each step computes one product.
  virtual void prepare_calibration() = 0;
  virtual void calibration_step() = 0;
  // Why `device` cannot run here ("" when it can), e.g. a CPU-only LibTorch asked for cuda.
  virtual std::string device_problem(const std::string& device) const = 0;
};

// The plugin's one exported symbol. The caller owns the result.
using CreateSessionFn = InferenceSession* (*)();
inline constexpr const char* kCreateSessionSymbol = "bench_create_session";

}  // namespace worker

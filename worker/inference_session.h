// The contract between the thin worker and its LibTorch plugin: standard types only,
// so nothing but torch_session.cpp ever includes a LibTorch header.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace worker {

struct SessionOptions {
  std::string model_path;
  std::vector<int64_t> input_shape;
  std::string device = "cpu";
  int intra_op_threads = 0;  // 0: leave LibTorch's default (it reads OMP_NUM_THREADS)
  int inter_op_threads = 0;  // 0: leave LibTorch's default
};

// What LibTorch reports about itself, read after the threads were configured.
struct TorchRuntimeInfo {
  std::string torch_version;
  bool mkldnn = false;
  bool mkl = false;
  bool openmp = false;
  int intra_op_threads = 0;
  int inter_op_threads = 0;
  std::string parallel_info;  // at::get_parallel_info(), verbatim
  std::string device_name;    // on a GPU: which one, and the driver (cuda_driver.h)
};

// One model on one device. Every call blocks until its work is finished
// (on a GPU that means synchronised), so the caller's clock reads are honest.
// infer() also returns the device's own time for the call (CUDA events) on a GPU.
class InferenceSession {
 public:
  virtual ~InferenceSession() = default;
  // Applies thread settings and creates the input tensor.
  virtual void init_runtime(const SessionOptions& options) = 0;
  virtual void load_model() = 0;
  virtual std::optional<double> infer() = 0;
  virtual TorchRuntimeInfo runtime_info() const = 0;
  // Why `device` cannot run here ("" when it can), e.g. a CPU-only LibTorch asked for cuda.
  virtual std::string device_problem(const std::string& device) const = 0;
};

// The plugin's one exported symbol. The caller owns the result.
using CreateSessionFn = InferenceSession* (*)();
inline constexpr const char* kCreateSessionSymbol = "bench_create_session";
inline constexpr const char* kPluginFileName = "libbench_torch.so";

}  // namespace worker

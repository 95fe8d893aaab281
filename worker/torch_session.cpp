// The LibTorch plugin's session: loads a TorchScript model and runs it. With
// cuda_event_timer.cpp, the worker's only LibTorch code.
// Errors leave as std::runtime_error so the thin worker needs no LibTorch types.
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/script.h>
#include <torch/version.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "cuda_driver.h"
#include "cuda_event_timer.h"
#include "inference_session.h"

namespace {

class TorchSession final : public worker::InferenceSession {
 public:
  void init_runtime(const protocol::WorkerInvocation& options) override {
    guarded([&] {
      options_ = options;
      // Say so instead of silently timing something else.
      if (auto problem = device_problem(options.device); !problem.empty()) throw std::runtime_error(problem);
      const torch::Device device(options.device);
      if (device.is_cuda()) {
        cuda_index_ = device.index();
        timer_ = std::make_unique<worker::CudaEventTimer>(cuda_index_);
      }
      // Inter-op first: LibTorch refuses to change it once the pool has started.
      if (options.inter_op_threads > 0) at::set_num_interop_threads(options.inter_op_threads);
      if (options.intra_op_threads > 0) at::set_num_threads(options.intra_op_threads);
      at::init_num_threads();
      torch::manual_seed(0);
      input_ = torch::randn(options.input_shape, torch::TensorOptions().device(options.device));
    });
  }

  void load_model() override {
    guarded([&] {
      module_ = torch::jit::load(options_.model, torch::Device(options_.device));
      module_.eval();
    });
  }

  // On a GPU the forward pass only queues kernels. Two clocks say how long they took:
  // CUDA events around the forward pass, read on the device (seed 004, method 3), and
  // the caller's host clock, which stops only after the synchronise here (method 2).
  // Every call ends synchronised, so the next one starts on an idle device.
  std::optional<double> infer() override {
    return guarded([&]() -> std::optional<double> {
      c10::InferenceMode inference_mode;
      if (!timer_) {
        module_.forward({input_});
        return std::nullopt;
      }
      timer_->start();
      module_.forward({input_});
      timer_->stop();
      torch::cuda::synchronize(cuda_index_);
      return timer_->elapsed_ms();
    });
  }

  void prepare_calibration() override {
    guarded([&] {
      at::set_num_threads(1);
      torch::manual_seed(0);
      calibration_a_ = torch::randn({kCalibrationSize, kCalibrationSize});
      calibration_b_ = torch::randn({kCalibrationSize, kCalibrationSize});
      calibration_product_ = torch::empty({kCalibrationSize, kCalibrationSize});
    });
  }

  void calibration_step() override {
    guarded([&] { at::mm_out(calibration_product_, calibration_a_, calibration_b_); });
  }

  std::string device_problem(const std::string& device) const override {
    if (device == "cpu") return "";
    const std::string requested = "device '" + device + "' requested but ";
    // hasCUDART: built with the CUDA runtime (hasCUDA would also need a visible GPU).
    if (!at::Context::hasCUDART())
      return requested + "cuda not available in this LibTorch build (" + TORCH_VERSION + ", CPU only)";
    const auto count = static_cast<int64_t>(torch::cuda::device_count());
    if (count == 0)
      return requested +
             "cuda not available: this LibTorch has CUDA but sees no GPU "
             "(no NVIDIA driver, or CUDA_VISIBLE_DEVICES hides them)";
    if (torch::Device(device).index() >= count)
      return requested + "this machine has " + std::to_string(count) +
             " CUDA device(s), cuda:0 to cuda:" + std::to_string(count - 1);
    return "";
  }

  protocol::TorchRuntime runtime_info() const override {
    protocol::TorchRuntime info;
    info.torch_version = TORCH_VERSION;
    info.mkldnn = at::hasMKLDNN();
    info.mkl = at::hasMKL();
#if AT_PARALLEL_OPENMP
    info.openmp = true;
#endif
    info.intra_op_threads = at::get_num_threads();
    info.inter_op_threads = at::get_num_interop_threads();
    info.parallel_info = at::get_parallel_info();
    if (timer_) {
      try {
        info.device_name = worker::cuda_device_description(timer_->device_index());
      } catch (const std::exception& e) {
        info.device_name = std::string("unknown: ") + e.what();  // metadata: no reason to fail the run
      }
    }
    return info;
  }

 private:
  template <typename Fn>
  static std::invoke_result_t<Fn> guarded(Fn&& fn) {
    try {
      return fn();
    } catch (const c10::Error& e) {
      throw std::runtime_error(e.what_without_backtrace());
    }
  }

  protocol::WorkerInvocation options_;
  std::unique_ptr<worker::CudaEventTimer> timer_;  // only on a GPU
  int cuda_index_ = -1;                            // -1: the current CUDA device
  torch::jit::script::Module module_;
  torch::Tensor input_;
  static constexpr int64_t kCalibrationSize = 256;
  torch::Tensor calibration_a_, calibration_b_, calibration_product_;
};

}  // namespace

extern "C" __attribute__((visibility("default"))) worker::InferenceSession* bench_create_session() {
  return new TorchSession();
}

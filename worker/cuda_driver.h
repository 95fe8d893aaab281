// The NVIDIA driver's C API, the few entry points the worker uses, resolved once from
// libcuda.so.1 at run time: the worker builds against a CPU-only LibTorch without
// CUDA headers, and this code only runs where LibTorch said CUDA is available.
// Runtime handles are driver handles (cudaEvent_t == CUevent, device ordinals agree).
#pragma once

#include <string>

namespace worker {

class CudaDriver {
 public:
  using Result = int;  // CUresult; 0 is CUDA_SUCCESS

  // Throws std::runtime_error when libcuda.so.1 or one of its functions is missing.
  static const CudaDriver& get();

  // Throws std::runtime_error naming `what` and the driver's error text unless `result` is 0.
  void check(Result result, const char* what) const;

  Result (*event_synchronize)(void* event) = nullptr;
  Result (*event_elapsed_time)(float* ms, void* start, void* end) = nullptr;
  Result (*device_get)(int* device, int ordinal) = nullptr;
  Result (*device_get_name)(char* name, int length, int device) = nullptr;
  Result (*driver_get_version)(int* version) = nullptr;
  Result (*error_string)(Result, const char** text) = nullptr;

 private:
  CudaDriver() = default;
};

// "NVIDIA H100 80GB HBM3, driver 12.4": the GPU behind LibTorch's device `index`
// (after CUDA_VISIBLE_DEVICES) and the driver's CUDA version.
std::string cuda_device_description(int index);

}  // namespace worker

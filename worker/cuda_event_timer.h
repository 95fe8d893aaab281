// Per-iteration GPU timing with CUDA events (seed 004, method 3): the device's own
// clock between two events recorded on the stream LibTorch launches its kernels on.
// Part of the LibTorch plugin; the header itself needs no LibTorch.
#pragma once

namespace worker {

class CudaDriver;

class CudaEventTimer {
 public:
  // `device_index` -1: the current CUDA device. Throws std::runtime_error when the
  // NVIDIA driver library (libcuda.so.1) cannot be bound (cuda_driver.h).
  explicit CudaEventTimer(int device_index);
  ~CudaEventTimer();
  CudaEventTimer(const CudaEventTimer&) = delete;
  CudaEventTimer& operator=(const CudaEventTimer&) = delete;

  // Enqueue the start / end event on the device's current stream; neither waits.
  void start();
  void stop();
  // Waits for the end event, then returns the milliseconds between the two events
  // as the GPU measured them (resolution about 0.5 us).
  double elapsed_ms();
  int device_index() const { return device_index_; }  // resolved: never -1

 private:
  const CudaDriver& driver_;
  int device_index_;
  void* start_event_ = nullptr;  // cudaEvent_t, created on first record with timing enabled
  void* end_event_ = nullptr;
};

}  // namespace worker

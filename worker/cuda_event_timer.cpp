// CUDA event timing without CUDA headers (see cuda_event_timer.h). Debian's LibTorch
// is CPU-only and ships no CUDA headers, so the events are made and recorded through
// LibTorch's backend-generic device interface (the CUDA backend registers itself when
// a CUDA LibTorch is loaded), and read back through the NVIDIA driver (cuda_driver.h).
// This compiles everywhere and only runs where LibTorch said CUDA is available.
#include "cuda_event_timer.h"

#include <c10/core/Device.h>
#include <c10/core/Stream.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>

#include "cuda_driver.h"

namespace worker {
namespace {

const c10::impl::DeviceGuardImplInterface& cuda_backend() {
  const auto* backend = c10::impl::getDeviceGuardImpl(c10::DeviceType::CUDA);  // throws without one
  return *backend;
}

// Records `event` (created on first use, timing enabled) on the device's current stream:
// the stream LibTorch is about to launch, or has just launched, the model's kernels on.
void record_on_current_stream(void*& event, int device_index) {
  const auto& backend = cuda_backend();
  const c10::Device device(c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(device_index));
  backend.record(&event, backend.getStream(device), device.index(), c10::EventFlag::BACKEND_DEFAULT);
}

}  // namespace

CudaEventTimer::CudaEventTimer(int device_index)
    : driver_(CudaDriver::get()),
      device_index_(device_index >= 0 ? device_index : cuda_backend().getDevice().index()) {}

CudaEventTimer::~CudaEventTimer() {
  if (start_event_ == nullptr && end_event_ == nullptr) return;
  const auto& backend = cuda_backend();
  backend.destroyEvent(start_event_, static_cast<c10::DeviceIndex>(device_index_));
  backend.destroyEvent(end_event_, static_cast<c10::DeviceIndex>(device_index_));
}

void CudaEventTimer::start() { record_on_current_stream(start_event_, device_index_); }

void CudaEventTimer::stop() { record_on_current_stream(end_event_, device_index_); }

double CudaEventTimer::elapsed_ms() {
  driver_.check(driver_.event_synchronize(end_event_), "cuEventSynchronize");
  float ms = 0;
  driver_.check(driver_.event_elapsed_time(&ms, start_event_, end_event_), "cuEventElapsedTime");
  return ms;
}

}  // namespace worker

// CUDA event timing without CUDA headers (see cuda_event_timer.h). Debian's LibTorch
// is CPU-only and ships no CUDA headers, so the events are made and recorded through
// LibTorch's backend-generic device interface (the CUDA backend registers itself when
// a CUDA LibTorch is loaded), and read back through the NVIDIA driver's C API, whose
// event handles are the runtime's (cudaEvent_t == CUevent). This compiles everywhere
// and only runs where `torch::cuda::is_available()` said yes.
#include "cuda_event_timer.h"

#include <c10/core/Device.h>
#include <c10/core/Stream.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace worker {

// The four driver entry points used, resolved once from libcuda.so.1.
struct CudaEventTimer::Driver {
  using Result = int;  // CUresult; 0 is CUDA_SUCCESS
  Result (*event_synchronize)(void* event) = nullptr;
  Result (*event_elapsed_time)(float* ms, void* start, void* end) = nullptr;
  Result (*error_string)(Result, const char** text) = nullptr;

  static const Driver& get() {
    static const Driver driver = load();
    return driver;
  }

  void check(Result result, const char* what) const {
    if (result == 0) return;
    const char* text = nullptr;
    if (error_string == nullptr || error_string(result, &text) != 0 || text == nullptr) text = "unknown error";
    throw std::runtime_error(std::string(what) + " failed: CUDA driver error " + std::to_string(result) + " (" +
                             text + ")");
  }

 private:
  static Driver load() {
    // A CUDA LibTorch has loaded the driver already; RTLD_NOLOAD finds that copy.
    void* handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (handle == nullptr) handle = dlopen("libcuda.so.1", RTLD_NOW);
    if (handle == nullptr)
      throw std::runtime_error(std::string("CUDA event timing needs the NVIDIA driver library: ") + dlerror());
    Driver driver;
    resolve(handle, "cuEventSynchronize", driver.event_synchronize);
    resolve(handle, "cuEventElapsedTime", driver.event_elapsed_time);
    resolve(handle, "cuGetErrorString", driver.error_string);
    return driver;
  }

  template <typename Fn>
  static void resolve(void* handle, const char* name, Fn& fn) {
    fn = reinterpret_cast<Fn>(dlsym(handle, name));
    if (fn == nullptr) throw std::runtime_error(std::string("libcuda.so.1 lacks ") + name);
  }
};

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
    : driver_(Driver::get()),
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

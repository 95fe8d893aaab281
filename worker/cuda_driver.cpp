// Run-time binding to libcuda.so.1 (see cuda_driver.h).
#include "cuda_driver.h"

#include <dlfcn.h>

#include <stdexcept>

namespace worker {
namespace {

template <typename Fn>
void resolve(void* handle, const char* name, Fn& fn) {
  fn = reinterpret_cast<Fn>(dlsym(handle, name));
  if (fn == nullptr) throw std::runtime_error(std::string("libcuda.so.1 lacks ") + name);
}

}  // namespace

const CudaDriver& CudaDriver::get() {
  static const CudaDriver driver = [] {
    // A CUDA LibTorch has loaded the driver already; RTLD_NOLOAD finds that copy.
    void* handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (handle == nullptr) handle = dlopen("libcuda.so.1", RTLD_NOW);
    if (handle == nullptr)
      throw std::runtime_error(std::string("CUDA timing needs the NVIDIA driver library: ") + dlerror());
    CudaDriver bound;
    resolve(handle, "cuEventSynchronize", bound.event_synchronize);
    resolve(handle, "cuEventElapsedTime", bound.event_elapsed_time);
    resolve(handle, "cuDeviceGet", bound.device_get);
    resolve(handle, "cuDeviceGetName", bound.device_get_name);
    resolve(handle, "cuDriverGetVersion", bound.driver_get_version);
    resolve(handle, "cuGetErrorString", bound.error_string);
    return bound;
  }();
  return driver;
}

void CudaDriver::check(Result result, const char* what) const {
  if (result == 0) return;
  const char* text = nullptr;
  if (error_string == nullptr || error_string(result, &text) != 0 || text == nullptr) text = "unknown error";
  throw std::runtime_error(std::string(what) + " failed: CUDA driver error " + std::to_string(result) + " (" + text +
                           ")");
}

std::string cuda_device_description(int index) {
  const CudaDriver& driver = CudaDriver::get();
  int device = 0, version = 0;
  char name[256] = {};
  driver.check(driver.device_get(&device, index), "cuDeviceGet");
  driver.check(driver.device_get_name(name, sizeof name - 1, device), "cuDeviceGetName");
  driver.check(driver.driver_get_version(&version), "cuDriverGetVersion");
  return std::string(name) + ", driver " + std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

}  // namespace worker

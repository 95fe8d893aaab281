// libFuzzer target for the matrix parser: any input must end in an Experiment or in
// one UserError -- never a crash, a hang, another exception or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <string>

#include "matrix/matrix.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const orch::SystemInfo system = [] {
    orch::SystemInfo info;
    info.online_cpus = {0, 1, 2, 3};
    info.allowed_cpus = {0, 1, 2, 3};
    return info;
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    orch::parse_experiment(text, "/tmp/fuzz.yaml", system, "/bin/true");
  } catch (const orch::UserError&) {
    // The expected way to reject bad input.
  }
  return 0;
}

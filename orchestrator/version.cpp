// Compiled with ORCH_VERSION from CMake (see version.h).
#include "version.h"

namespace orch {

const char* orchestrator_version() { return ORCH_VERSION; }

}  // namespace orch

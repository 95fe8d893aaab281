// The project version from CMake and the git revision read at build time (see version.h).
#include "common/version.h"

#include "git_revision.h"

namespace orch {

const char* orchestrator_version() { return ORCH_PROJECT_VERSION "-" ORCH_GIT_REVISION; }

}  // namespace orch

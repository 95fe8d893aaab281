// The orchestrator's version: the project version and the git revision it was built from.
#pragma once

namespace orch {

const char* orchestrator_version();

}  // namespace orch

// The two clocks the orchestrator uses: monotonic for every duration (and the spawn
// timestamp handed to the worker), UTC wall time only to label when things happened.
#pragma once

#include <cstdint>
#include <string>

namespace orch {

int64_t monotonic_ns();       // std::chrono::steady_clock == CLOCK_MONOTONIC on Linux
std::string utc_timestamp();  // "2026-11-23T14:46:20.123Z"

}  // namespace orch

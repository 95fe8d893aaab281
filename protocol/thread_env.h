// Which environment variables steer thread pools and affinity. Shared by the worker
// (which reports them) and the orchestrator (which strips inherited ones so that a
// cell's "unset" really means unset). Header-only, standard library only.
#pragma once

#include <array>
#include <string_view>

namespace protocol {

inline constexpr std::array<std::string_view, 9> kThreadEnvPrefixes = {
    "OMP_", "GOMP_", "KMP_", "MKL_", "OPENBLAS_", "GOTO_", "BLIS_", "TORCH_", "VECLIB_"};

inline bool is_thread_env_var(std::string_view name) {
  for (auto prefix : kThreadEnvPrefixes)
    if (name.substr(0, prefix.size()) == prefix) return true;
  return false;
}

}  // namespace protocol

// The names an orchestrator gives what it makes -- cgroup session folders, scratch
// folders, run cgroups, systemd scopes, containers -- all carry its identity
// (process_identity.h). The next orchestrator to start can then tell whose each one
// is, and removes it only when that owner is dead: a live orchestrator's are never
// touched, whatever lock or DB it uses.
#pragma once

#include <optional>
#include <string>

#include "process/process_identity.h"

namespace orch {

inline constexpr const char* kSessionPrefix = "orchestrator-";  // cgroup sessions, scratch folders
inline constexpr const char* kRunPrefix = "orch-";              // run cgroups, scopes, containers

// "orchestrator-812-99123".
std::string session_name(const ProcessIdentity& owner);
// "orch-812-99123-c0-r1": unique per run of a cell.
std::string run_name(const ProcessIdentity& owner, int cell_index, int run_index);

// The owner a session or run name carries ("orchestrator-812-99123...",
// "orch-812-99123-c0-r1", and the older "orchestrator-812", "orch-812-c0-r1" whose
// start is unknown); nullopt when `name` is not one of ours.
std::optional<ProcessIdentity> owner_of(const std::string& name);

// `name` is one of ours and its owner is dead.
bool left_by_dead_orchestrator(const std::string& name);

}  // namespace orch

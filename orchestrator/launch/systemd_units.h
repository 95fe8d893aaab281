// Talking to systemd, for what uses its units: the systemd-run launcher's scopes, and
// the delegated scope the cgroup v2 backend asks for where its own cgroup is not its
// to divide. Always the manager of this process's user: the system's for root, the
// user's own (`--user`, which needs `loginctl enable-linger` outside a login) otherwise.
#pragma once

#include <string>
#include <vector>

namespace orch {

// Not root and XDG_RUNTIME_DIR unset (cron, say): sets it to /run/user/<uid> where that
// exists, so that `systemctl --user`, `systemd-run --user` and `busctl --user` find the
// user's manager. Once, before anything talks to it.
void find_user_manager();
// $XDG_RUNTIME_DIR, or /run/user/<uid> where it is unset.
std::string user_runtime_dir();
// Not root: whether the user's D-Bus (dbus-user-session) is there to reach their manager.
bool has_user_bus();
// PID 1 is systemd.
bool booted_with_systemd();
// systemctl, with --user when not root, and `args`.
std::vector<std::string> systemctl_argv(const std::vector<std::string>& args);
// Stops every scope named <prefix>... (session.h names) whose orchestrator is dead:
// SIGKILL to its processes, stop, reset-failed. Returns how many were stopped.
int stop_dead_orchestrators_scopes(const std::string& prefix);
// Whether this process can ask systemd for a scope of its own (busctl is installed,
// PID 1 is systemd, and for a user, their bus is there).
bool can_start_own_scope();
// Asks systemd for a transient scope `unit` (e.g. "orchestrator-812-99123.scope") with
// Delegate=yes and this process in it, and waits until it is; returns the scope's
// cgroup path. Throws CgroupError with systemd's answer when it cannot.
std::string move_into_delegated_scope(const std::string& unit);

}  // namespace orch

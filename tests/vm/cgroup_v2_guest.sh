# In the guest, as root: the orchestrator's own cgroup v2 backend for real, with the
# cgroup and unshare launchers, as root (from this oneshot unit's cgroup, which it shares
# with this shell: the backend asks systemd for a delegated scope of its own), and as a
# user inside `systemd-run --user --scope -p Delegate=yes`; a dead orchestrator's groups
# repaired at the next start; doctor and the cache policies.
set -u
. /opt/orch/lib.sh
left() {  # what of ours is left: cgroups, scopes, processes of the hanging worker
  find /sys/fs/cgroup -name 'orch*' ! -name 'orch-test.service' | sort
  systemctl list-units --all --plain --no-legend 'orch*.scope' 'orchestrator-*.scope' | awk '{print $1}'
  ps -eo args= | grep '^sleep 1000' || true
}
$O doctor > "$out/doctor" 2>&1

matrix /tmp/root.yaml v2-root 1 <<'YAML'
    - {label: cgroup, launcher: cgroup, cpu_quota: 20%, cpuset: "1", memory: 256M, env: {OMP_NUM_THREADS: "1"}}
    - {label: cgroup-oom, launcher: cgroup, memory: 8M}
    - {label: unshare, launcher: unshare, cpu_quota: 20%, cpuset: "0", memory: 256M, env: {OMP_NUM_THREADS: "1"}}
    - {label: drop, launcher: cgroup, memory: 256M, cache: drop}
    - {label: evict, launcher: cgroup, memory: 256M, cache: evict}
YAML
$O run /tmp/root.yaml --db "$out/root.db" --lock /run/orch.lock > "$out/root.stdout" 2> "$out/root.stderr"
echo "$?" > "$out/root.exit"
left > "$out/root.left"

# A dead orchestrator: SIGKILL mid-run, its worker's setsid child still in the run group.
hang_worker
cat > /tmp/hang.yaml <<'YAML'
name: v2-hang
runs: 1
warmup_runs: 0
timeout_s: 600
worker: {model: /opt/orch/models/tiny_cnn.pt, program: /opt/orch/hang.sh}
matrix:
  limits:
    - {label: hang, launcher: cgroup, memory: 256M}
YAML
killed_mid_run /tmp/hang.yaml "$out/dead.db"
left > "$out/dead.before"
# The next start (any matrix) removes what it left, and marks its run aborted.
sed -e 's/^name: v2-hang/name: v2-after/' -e 's#program: /opt/orch/hang.sh#iterations: 5, input_shape: [1, 3, 16, 16]#' \
  /tmp/hang.yaml > /tmp/after.yaml
$O run /tmp/after.yaml --db "$out/dead.db" --lock /run/orch.lock > /dev/null 2> "$out/after.stderr"
echo "$?" > "$out/after.exit"
left > "$out/dead.after"

# A user, lingering, in a delegated scope of their own manager.
lingering_user lab
matrix /home/lab/user.yaml v2-user 1 <<'YAML'
    - {label: user-cgroup, launcher: cgroup, cpu_quota: 20%, memory: 256M, env: {OMP_NUM_THREADS: "1"}}
    - {label: user-oom, launcher: cgroup, memory: 8M}
YAML
sed -e 's/cpu_quota: 20%, memory: 256M/cpuset: "1", memory: 256M/' /home/lab/user.yaml > /home/lab/cpuset.yaml
chown lab: /home/lab/*.yaml
as_lab() { runuser -u lab -- env XDG_RUNTIME_DIR="/run/user/$uid" "$@"; }
as_lab systemd-run --user --scope --quiet -p Delegate=yes $O doctor > "$out/user.doctor" 2>&1
as_lab systemd-run --user --scope --quiet -p Delegate=yes \
  $O run /home/lab/user.yaml --db /home/lab/u.db --lock /home/lab/o.lock > "$out/user.stdout" 2> "$out/user.stderr"
echo "$?" > "$out/user.exit"
as_lab systemd-run --user --scope --quiet -p Delegate=yes \
  $O validate /home/lab/cpuset.yaml > "$out/user.cpuset" 2>&1
echo "$?" > "$out/user.cpuset.exit"
cp /home/lab/u.db "$out/user.db"
left > "$out/user.left"

# In the guest, as root: the systemd-run launcher for real. The orchestrator's
# binaries and their libraries come from the project disk (/opt/orch).
set -u
cp -an /opt/orch/closure/. /   # the host's libraries the guest lacks (LibTorch, OpenBLAS, ...)
out=/opt/orch/out
{
  echo "pid1: $(cat /proc/1/comm)"
  echo "cgroup: $(stat -f -c %T /sys/fs/cgroup)"
  echo "controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
} > "$out/host"
cat > /tmp/m.yaml <<'YAML'
name: systemd-guest
runs: 2
warmup_runs: 0
timeout_s: 600
worker: {model: /opt/orch/models/tiny_cnn.pt, input_shape: [1, 3, 16, 16], warmup_iterations: 1, iterations: 5}
matrix:
  limits:
    - {label: limited, launcher: systemd-run, cpu_quota: 50%, cpuset: "1", memory: 256M, env: {OMP_NUM_THREADS: "1", ORCH_PROBE: "arrived"}}
    - {label: oom, launcher: systemd-run, memory: 8M}
YAML
/opt/orch/bin/orchestrator doctor > "$out/doctor" 2>&1
/opt/orch/bin/orchestrator run /tmp/m.yaml --db "$out/r.db" --lock /run/orch.lock > "$out/run.stdout" 2> "$out/run.stderr"
echo "$?" > "$out/run.exit"
# Nothing of the runs is left: no scope of ours.
systemctl list-units --all --no-legend 'orch-*.scope' > "$out/scopes" 2>&1

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

# worker.user: the scope's worker runs as that user (--uid/--gid), limits still in effect.
useradd --no-create-home --shell /usr/sbin/nologin bench 2>> "$out/log"
id -u bench > "$out/bench_uid"
cat > /tmp/user.yaml <<'YAML'
name: systemd-guest-user
runs: 1
warmup_runs: 0
worker: {model: /opt/orch/models/tiny_cnn.pt, input_shape: [1, 3, 16, 16], warmup_iterations: 1, iterations: 5, user: bench}
matrix:
  limits:
    - {label: as-bench, launcher: systemd-run, cpu_quota: 50%, memory: 256M}
YAML
/opt/orch/bin/orchestrator run /tmp/user.yaml --db "$out/r.db" --lock /run/orch.lock > /dev/null 2> "$out/user.stderr"
echo "$?" > "$out/user.exit"

# A worker that hangs, with a child that left its process group: the timeout kills the
# whole scope, and SIGTERM to the orchestrator mid-run leaves no scope either.
cat > /opt/orch/hang.sh <<'HANG'
#!/bin/sh
setsid sleep 1000 &
exec sleep 1000
HANG
chmod +x /opt/orch/hang.sh
cat > /tmp/hang.yaml <<'YAML'
name: systemd-guest-hang
runs: 1
warmup_runs: 0
timeout_s: 8
worker: {model: /opt/orch/models/tiny_cnn.pt, program: /opt/orch/hang.sh}
matrix:
  limits:
    - {label: hang, launcher: systemd-run, memory: 256M}
YAML
/opt/orch/bin/orchestrator run /tmp/hang.yaml --db "$out/r.db" --lock /run/orch.lock > /dev/null 2> "$out/hang.stderr"
echo "$?" > "$out/hang.exit"
sleep 1
ps -eo args= | grep -c '^sleep 1000' > "$out/hang.left" || true
systemctl list-units --all --no-legend 'orch-*.scope' > "$out/hang.scopes" 2>&1

sed -i 's/^timeout_s: 8/timeout_s: 600/' /tmp/hang.yaml
/opt/orch/bin/orchestrator run /tmp/hang.yaml --db "$out/term.db" --lock /run/orch.lock > /dev/null 2> "$out/term.stderr" &
orchestrator=$!
for i in $(seq 60); do
  [ -n "$(systemctl list-units --no-legend 'orch-*.scope' 2>/dev/null)" ] && break
  sleep 1
done
kill -TERM "$orchestrator"
wait "$orchestrator"
echo "$?" > "$out/term.exit"
sleep 1
ps -eo args= | grep -c '^sleep 1000' > "$out/term.left" || true
systemctl list-units --all --no-legend 'orch-*.scope' > "$out/term.scopes" 2>&1

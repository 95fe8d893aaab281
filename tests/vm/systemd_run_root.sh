# In the guest, as root: the systemd-run launcher for real, then as a lingering user
# (systemd-run --user), and seed 000's systemd rows.
set -u
. /opt/orch/lib.sh
{
  echo "pid1: $(cat /proc/1/comm)"
  echo "cgroup: $(stat -f -c %T /sys/fs/cgroup)"
  echo "controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
} > "$out/host"
matrix /tmp/m.yaml systemd-guest 2 <<'YAML'
    - {label: limited, launcher: systemd-run, cpu_quota: 50%, cpuset: "1", memory: 256M, env: {OMP_NUM_THREADS: "1", ORCH_PROBE: "arrived"}}
    - {label: oom, launcher: systemd-run, memory: 8M}
YAML
$O doctor > "$out/doctor" 2>&1
$O run /tmp/m.yaml --db "$out/r.db" --lock /run/orch.lock > "$out/run.stdout" 2> "$out/run.stderr"
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
$O run /tmp/user.yaml --db "$out/r.db" --lock /run/orch.lock > /dev/null 2> "$out/user.stderr"
echo "$?" > "$out/user.exit"

# A worker that hangs, with a child that left its process group: the timeout kills the
# whole scope, and SIGTERM to the orchestrator mid-run leaves no scope either.
hang_worker
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
$O run /tmp/hang.yaml --db "$out/r.db" --lock /run/orch.lock > /dev/null 2> "$out/hang.stderr"
echo "$?" > "$out/hang.exit"
sleep 1
ps -eo args= | grep -c '^sleep 1000' > "$out/hang.left" || true
systemctl list-units --all --no-legend 'orch-*.scope' > "$out/hang.scopes" 2>&1

sed -i 's/^timeout_s: 8/timeout_s: 600/' /tmp/hang.yaml
$O run /tmp/hang.yaml --db "$out/term.db" --lock /run/orch.lock > /dev/null 2> "$out/term.stderr" &
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

# SIGKILL to the orchestrator mid-run: the setsid child keeps its scope; the next start
# stops that scope and marks the run aborted.
killed_mid_run /tmp/hang.yaml "$out/kill.db"
systemctl list-units --all --plain --no-legend 'orch-*.scope' | wc -l > "$out/kill.before"
sed -e 's#program: /opt/orch/hang.sh#input_shape: [1, 3, 16, 16], iterations: 5#' /tmp/hang.yaml > /tmp/after.yaml
$O run /tmp/after.yaml --db "$out/kill.db" --lock /run/orch.lock > /dev/null 2> "$out/after.stderr"
echo "$?" > "$out/after.exit"
ps -eo args= | grep -c '^sleep 1000' > "$out/kill.left" || true
systemctl list-units --all --plain --no-legend 'orch-*.scope' > "$out/kill.scopes" 2>&1

# Seed 000's systemd rows as written, with the tiny model (and one run per cell).
sed -e 's#model: ../build/models/mobilenet_v2.pt#model: /opt/orch/models/tiny_cnn.pt#' \
    -e 's/input_shape: \[1, 3, 224, 224\]/input_shape: [1, 3, 16, 16]/' -e 's/^runs: 3/runs: 1/' \
    -e 's/^warmup_runs: 1/warmup_runs: 0/' -e 's/iterations: 100/iterations: 20/' \
    /opt/orch/configs/seed000-systemd.yaml > /tmp/seed.yaml
$O run /tmp/seed.yaml --db "$out/seed.db" --lock /run/orch.lock > /dev/null 2> "$out/seed.stderr"
echo "$?" > "$out/seed.exit"

# A user with lingering: systemd-run --user, from a process outside any login (as from
# cron: no XDG_RUNTIME_DIR), through the user's own manager.
lingering_user lab
matrix /home/lab/user.yaml systemd-guest-lab 1 <<'YAML'
    - {label: lab, launcher: systemd-run, cpu_quota: 20%, memory: 256M, env: {OMP_NUM_THREADS: "1"}}
YAML
sed -e 's/cpu_quota: 20%, memory: 256M/cpuset: "1", memory: 256M/' /home/lab/user.yaml > /home/lab/cpuset.yaml
chown lab: /home/lab/*.yaml
runuser -u lab -- env -u XDG_RUNTIME_DIR $O doctor > "$out/lab.doctor" 2>&1
runuser -u lab -- env -u XDG_RUNTIME_DIR $O run /home/lab/user.yaml --db /home/lab/l.db \
  --lock /home/lab/o.lock > /dev/null 2> "$out/lab.stderr"
echo "$?" > "$out/lab.exit"
runuser -u lab -- env -u XDG_RUNTIME_DIR $O validate /home/lab/cpuset.yaml > "$out/lab.cpuset" 2>&1
echo "$?" > "$out/lab.cpuset.exit"
cp /home/lab/l.db "$out/lab.db"
runuser -u lab -- env XDG_RUNTIME_DIR="/run/user/$uid" systemctl --user list-units --all --plain --no-legend 'orch-*.scope' \
  > "$out/lab.scopes" 2>&1

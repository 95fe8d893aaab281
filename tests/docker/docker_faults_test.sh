#!/bin/sh
# Docker faults against a real engine: SIGTERM and then SIGKILL to the orchestrator
# in the middle of a docker run, and the engine stopping mid-matrix. Each leaves no
# container, no cgroup and no lost finished run. Usage: docker_faults_test.sh BUILD_DIR MODELS_DIR
set -eu
build=$1
models=$2
. "$(cd "$(dirname "$0")" && pwd)/private_dockerd.sh"
docker_test_begin "$build"   # sets $work, starts the engine, imports orchestrator-worker:test

q() { sqlite3 "$work/r.db" "$1"; }
orchestrator="$build/bin/orchestrator"
store="--db $work/r.db --lock $work/lock"   # no spaces in mktemp's paths
await_container() {
  for _ in $(seq 300); do [ -n "$(docker ps -q --filter name=^orch-)" ] && return 0; sleep 0.1; done
  echo "FAIL: no container started"; exit 1
}
# Those of orchestrator PID only (names carry it: orchestrator-<pid>-<start>, orch-<pid>-...):
# other orchestrators may be measuring on this machine, and the private engine's own
# parent group goes with docker_stop.
leftover_cgroups() { find /sys/fs/cgroup \( -name "orchestrator-$1-*" -o -name "orch-$1-*" \) | wc -l; }

# A first cell that finishes quickly, then a docker run held back by a 1% CPU quota.
matrix() {  # matrix FILE QUOTA_OF_THE_SECOND_CELL
  { test_matrix docker-faults 1; cat <<YAML
matrix:
  cells:
    - {label: quick, launcher: host}
    - {label: long, launcher: docker, memory: 1G, cpu_quota: $2}
YAML
  } >"$1"
}
matrix "$work/m.yaml" 1%

# SIGTERM in the middle of a docker run.
$orchestrator run "$work/m.yaml" $store & pid=$!
await_container
kill -TERM $pid
status=0; wait $pid || status=$?
check "SIGTERM: exit 130" 130 "$status"
check "SIGTERM: the docker run is stored as aborted" "aborted" "$(q "SELECT status FROM run_phases WHERE cell = 'long'")"
check "SIGTERM: the finished run is intact" "1" "$(q "SELECT COUNT(*) FROM run_phases WHERE cell = 'quick' AND status = 'ok' AND latency_n = 20")"
check "SIGTERM: no container is left" "" "$(docker ps -aq)"
check "SIGTERM: no cgroup is left" "0" "$(leftover_cgroups $pid)"

# SIGKILL in the middle of a docker run: the container outlives it, until the next start.
rm -f "$work/r.db"*
$orchestrator run "$work/m.yaml" $store & pid=$!
await_container
kill -KILL $pid
wait $pid || true
check "SIGKILL: the container outlives the orchestrator" "1" "$(docker ps -aq | wc -l)"
# The next night runs another matrix, without docker: the dead run's container goes all the same.
{ test_matrix next-night 1; echo "matrix: {launcher: [host]}"; } >"$work/next.yaml"
status=0; $orchestrator run "$work/next.yaml" $store || status=$?
check "after SIGKILL: the next run succeeds" 0 "$status"
check "after SIGKILL: the next run, without docker cells, removed the stale container" "" "$(docker ps -aq)"
check "after SIGKILL: the dead run is marked aborted" "aborted" \
  "$(q "SELECT status FROM run_phases WHERE experiment_id = 1 AND cell = 'long'")"
check "after SIGKILL: its finished run is intact" "ok" "$(q "SELECT status FROM run_phases WHERE experiment_id = 1 AND cell = 'quick'")"

# The engine stops in the middle of the matrix: later docker runs fail with a reason.
{ test_matrix engine-stops 3; echo "matrix: {launcher: [docker, host]}"; } >"$work/engine.yaml"
rm -f "$work/r.db"*
$orchestrator run "$work/engine.yaml" $store & pid=$!
for _ in $(seq 300); do [ "$(q "SELECT COUNT(*) FROM runs WHERE status = 'ok'" 2>/dev/null)" = 1 ] && break; sleep 0.1; done
docker_stop
status=0; wait $pid || status=$?
check "engine stopped: exit 3" 3 "$status"
check "engine stopped: the first docker run is intact" "ok" "$(q "SELECT status FROM run_phases WHERE cell_index = 0 AND run_index = 0")"
check "engine stopped: later docker runs failed with a reason" "0" \
  "$(q "SELECT COUNT(*) FROM run_phases WHERE cell_index = 0 AND run_index > 0 AND (status = 'ok' OR reason IS NULL)")"
check "engine stopped: the matrix went on to the host cell" "3" "$(q "SELECT COUNT(*) FROM run_phases WHERE cell_index = 1 AND status = 'ok'")"
check "engine stopped: no cgroup is left" "0" "$(leftover_cgroups $pid)"

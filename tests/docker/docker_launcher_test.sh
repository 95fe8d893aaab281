#!/bin/sh
# The docker launcher against a real engine: a private dockerd, an image imported from
# the worker's library closure, limits read back from inside the container, an OOM
# kill, and nothing left behind. Usage: docker_launcher_test.sh BUILD_DIR MODELS_DIR
set -eu
build=$1
models=$2
. "$(cd "$(dirname "$0")" && pwd)/private_dockerd.sh"
docker_test_begin "$build"   # sets $work, starts the engine, imports orchestrator-worker:test

{ test_matrix docker-test 2; cat <<YAML
matrix:
  isolation:
    - {launcher: docker, cpu_quota: 100%, cpuset: "0", memory: 512M, env: {OMP_NUM_THREADS: "1"}}
    - {launcher: docker}
    - {launcher: docker, memory: 16M}
YAML
} >"$work/m.yaml"
status=0
"$build/bin/orchestrator" run "$work/m.yaml" --db "$work/r.db" || status=$?
[ "$status" -eq 3 ] || { echo "FAIL: expected exit 3 (one cell OOMs), got $status"; exit 1; }

q() { sqlite3 "$work/r.db" "$1"; }
check "limits read back from inside the container" "2" \
  "$(q "SELECT COUNT(*) FROM run_phases WHERE cell_index = 0 AND status = 'ok' AND effective_quota_percent = 100
          AND effective_cpus = '0' AND effective_memory_limit_bytes = 536870912 AND limits_mismatch IS NULL")"
check "the cell's env reached the worker" '{"OMP_NUM_THREADS":"1"}' \
  "$(q "SELECT DISTINCT thread_env_json FROM runs JOIN cells ON cells.id = cell_id WHERE cell_index = 0")"
check "rusage is the worker's, not the docker client's" "2" \
  "$(q "SELECT COUNT(*) FROM runs JOIN cells ON cells.id = cell_id WHERE cell_index = 1 AND max_rss_kib > 50000")"
check "an unlimited container ran" "ok" "$(q "SELECT DISTINCT status FROM run_phases WHERE cell_index = 1")"
check "16M is an OOM kill, recorded as oom" "oom" "$(q "SELECT DISTINCT status FROM run_phases WHERE cell_index = 2")"
check "no container is left" "" "$(docker ps -aq)"

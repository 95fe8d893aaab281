#!/bin/sh
# The systemd-run launcher on a real systemd + cgroup v2 host (a QEMU guest,
# tests/vm/guest.sh), as root: each limit in effect as the worker read it, the
# variables it was given, an OOM under MemoryMax stored as oom, rusage stored, and no
# scope left; worker.user honoured; a timeout and a SIGTERM mid-run kill the whole
# scope, a child that left its process group included. Skipped, saying why, without QEMU, debootstrap or a mirror.
# Usage: systemd_run_test.sh SOURCE_DIR BUILD_DIR
set -eu
source_dir=$1
export ORCH_BUILD_DIR=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
"$source_dir/tests/vm/guest.sh" run "$source_dir/tests/vm/systemd_run_root.sh" "$out" || status=$?
[ "$status" -eq 77 ] && exit 77
[ "$status" -eq 0 ] || { echo "the guest did not complete (exit $status)"; exit 1; }
failures=0
check() {  # WHAT EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAILED: $1: expected '$2', got '$3'"; failures=$((failures + 1)); fi
}
q() { sqlite3 "$out/r.db" "$1"; }
check "PID 1 in the guest" "pid1: systemd" "$(sed -n 1p "$out/host")"
check "cgroup hierarchy" "cgroup: cgroup2fs" "$(sed -n 2p "$out/host")"
check "doctor: systemd-run usable" "1" "$(grep -c '^systemd-run: usable' "$out/doctor")"
check "run exit code (the oom cell fails, as it should)" "3" "$(cat "$out/run.exit")"
check "limited runs ok, with quota, cpuset and memory in effect, no mismatch" "2" \
  "$(q "SELECT COUNT(*) FROM run_phases WHERE cell = 'limited' AND status = 'ok' AND effective_cpu_quota_percent = 50
          AND effective_cpus = '1' AND effective_memory_limit_bytes = 268435456 AND limits_mismatch IS NULL
          AND cgroup_path LIKE '/system.slice/orch-%.scope'")"
check "--setenv reached the worker" "2" \
  "$(q "SELECT COUNT(*) FROM runs r JOIN cells c ON c.id = r.cell_id WHERE c.label = 'limited'
          AND r.thread_env_json LIKE '%\"OMP_NUM_THREADS\":\"1\"%' AND r.intra_op_threads = 1")"
check "rusage stored" "2" "$(q "SELECT COUNT(*) FROM run_phases WHERE cell = 'limited' AND user_cpu_ms > 0 AND max_rss_kib > 0")"
check "an OOM under MemoryMax is oom" "oom,oom" "$(q "SELECT GROUP_CONCAT(status) FROM run_phases WHERE cell = 'oom'")"
check "no scope of a run is left" "" "$(cat "$out/scopes")"
check "worker.user: the worker ran as that user, limits in effect" "1" \
  "$(q "SELECT COUNT(*) FROM runs r JOIN cells c ON c.id = r.cell_id WHERE c.label = 'as-bench' AND r.status = 'ok'
          AND r.worker_uid = $(cat "$out/bench_uid") AND r.effective_cpu_quota_percent = 50
          AND r.effective_memory_limit_bytes = 268435456 AND r.limits_mismatch IS NULL")"
check "worker.user run exit code" "0" "$(cat "$out/user.exit")"
check "a hanging worker is stored as timeout" "timeout" "$(q "SELECT status FROM run_phases WHERE cell = 'hang'")"
check "the timeout killed the whole scope, the setsid child too" "0" "$(cat "$out/hang.left")"
check "no scope left after the timeout" "" "$(cat "$out/hang.scopes")"
check "SIGTERM mid-run exits 130" "130" "$(cat "$out/term.exit")"
check "SIGTERM: the run is stored as aborted" "aborted" "$(sqlite3 "$out/term.db" "SELECT status FROM runs")"
check "SIGTERM: nothing of the run is left" "0" "$(cat "$out/term.left")"
check "SIGTERM: no scope left" "" "$(cat "$out/term.scopes")"
if [ "$failures" -ne 0 ]; then
  echo "--- run.stderr"; tail -20 "$out/run.stderr"; echo "--- guest log"; tail -20 "$out/log"; exit 1
fi

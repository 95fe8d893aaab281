#!/bin/sh
# The systemd-run launcher on a real systemd + cgroup v2 host (a QEMU guest,
# tests/vm/guest.sh), as root: each limit in effect as the worker read it and as read
# from outside the scope, the variables it was given, an OOM under MemoryMax stored as
# oom, rusage and the scope's counters stored, and no scope left; worker.user honoured;
# a timeout and a SIGTERM mid-run kill the whole scope, a child that left its process
# group included; after a SIGKILL the next start stops the dead run's scope. Seed
# 000's systemd rows with their limits in effect. As a lingering user: systemd-run
# --user, and a cpuset (not delegated to users) refused before anything runs.
# Skipped, saying why, without QEMU, debootstrap or a mirror.
# Usage: systemd_run_test.sh SOURCE_DIR BUILD_DIR
set -eu
source_dir=$1
export ORCH_BUILD_DIR=$2
. "$source_dir/tests/vm/checks.sh"
run_guest systemd_run_root.sh
q() { sqlite3 "$out/r.db" "$1"; }
check "PID 1 in the guest" "pid1: systemd" "$(sed -n 1p "$out/host")"
check "cgroup hierarchy" "cgroup: cgroup2fs" "$(sed -n 2p "$out/host")"
check "doctor: systemd-run usable" "1" "$(grep -c '^systemd-run: usable' "$out/doctor")"
check "run exit code (the oom cell fails, as it should)" "3" "$(cat "$out/run.exit")"
check "limited runs ok, with quota, cpuset and memory in effect inside and outside the scope, no mismatch" "2" \
  "$(q "SELECT COUNT(*) FROM runs WHERE status = 'ok' AND effective_cpu_quota_percent = 50 AND outside_cpu_quota_percent = 50
          AND effective_cpus = '1' AND outside_cpus = '1' AND effective_memory_limit_bytes = 268435456
          AND outside_memory_limit_bytes = 268435456 AND limits_mismatch IS NULL
          AND cgroup_path LIKE '/system.slice/orch-%.scope' AND run_cgroup = cgroup_path
          AND cell_id = (SELECT id FROM cells WHERE label = 'limited')")"
check "the scope's counters stored: throttling, CPU time, memory peak" "2" \
  "$(q "SELECT COUNT(*) FROM runs WHERE nr_throttled > 0 AND throttled_ms > 0 AND cgroup_cpu_ms > 0 AND memory_peak_bytes > 0
          AND cell_id = (SELECT id FROM cells WHERE label = 'limited')")"
check "--setenv reached the worker" "2" \
  "$(q "SELECT COUNT(*) FROM runs r JOIN cells c ON c.id = r.cell_id WHERE c.label = 'limited'
          AND r.thread_env_json LIKE '%\"OMP_NUM_THREADS\":\"1\"%' AND r.intra_op_threads = 1")"
check "rusage stored" "2" "$(q "SELECT COUNT(*) FROM run_phases WHERE cell = 'limited' AND user_cpu_ms > 0 AND max_rss_kib > 0")"
check "an OOM under MemoryMax is oom, with the scope's oom_kill counter" "oom|1,oom|1" \
  "$(q "SELECT GROUP_CONCAT(status || '|' || oom_kills) FROM run_phases WHERE cell = 'oom'")"
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
check "SIGKILL mid-run: the run's scope outlived the orchestrator" "1" "$(cat "$out/kill.before")"
check "SIGKILL mid-run: the next start exits 0" "0" "$(cat "$out/after.exit")"
check "SIGKILL mid-run: the next start stored the run as aborted, then its own" "aborted,ok" \
  "$(sqlite3 "$out/kill.db" "SELECT GROUP_CONCAT(status) FROM (SELECT status FROM runs ORDER BY id)")"
check "SIGKILL mid-run: the next start stopped the scope, its processes with it" "0" "$(cat "$out/kill.left")"
check "SIGKILL mid-run: no scope left" "" "$(cat "$out/kill.scopes")"

check "seed 000's systemd rows: exit code" "0" "$(cat "$out/seed.exit")"
check "seed 000's systemd rows: each cell's limits in effect as asked, inside and outside the scope" "3" \
  "$(sqlite3 "$out/seed.db" "SELECT COUNT(*) FROM runs r JOIN cells c ON c.id = r.cell_id WHERE r.status = 'ok'
       AND r.limits_mismatch IS NULL AND r.effective_memory_limit_bytes = 2147483648 AND r.outside_memory_limit_bytes = 2147483648
       AND ((c.label LIKE '1:%' AND r.effective_cpu_quota_percent = 200 AND r.outside_cpu_quota_percent = 200)
         OR (c.label NOT LIKE '1:%' AND r.effective_cpus = '0-1' AND r.outside_cpus = '0-1'
             AND r.effective_cpu_quota_percent IS NULL))")"
check "seed 000's row 3: its threads arrived" "2" \
  "$(sqlite3 "$out/seed.db" "SELECT r.intra_op_threads FROM runs r JOIN cells c ON c.id = r.cell_id WHERE c.label LIKE '3:%'")"

check "lingering user: doctor says systemd-run is usable, but not for cpuset" "1 1" \
  "$(grep -c '^systemd-run: usable (applies: cpu_quota, memory)' "$out/lab.doctor") $(grep -c "^  cannot apply cpuset (this user's systemd manager" "$out/lab.doctor")"
check "lingering user: exit code" "0" "$(cat "$out/lab.exit")"
check "lingering user: quota and memory in effect in the user's scope, as the user" "1" \
  "$(sqlite3 "$out/lab.db" "SELECT COUNT(*) FROM runs WHERE status = 'ok' AND limits_mismatch IS NULL
       AND effective_cpu_quota_percent = 20 AND effective_memory_limit_bytes = 268435456 AND worker_uid = $(cat "$out/lab_uid")
       AND cgroup_path LIKE '/user.slice/user-%.slice/user@%.service/%orch-%.scope'")"
check "lingering user: a cpuset cell is refused before anything runs, naming the setting" "1" \
  "$(grep -c "cpuset.yaml:8:[0-9]*: .*not given the cgroup controller 'cpuset'" "$out/lab.cpuset")"
check "lingering user: validate exits non-zero" "1" "$(cat "$out/lab.cpuset.exit")"
check "lingering user: no scope left" "" "$(cat "$out/lab.scopes")"
finish

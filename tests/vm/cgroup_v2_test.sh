#!/bin/sh
# The orchestrator's own cgroup v2 backend on a real systemd + cgroup v2 host (a QEMU
# guest, tests/vm/guest.sh): limits applied and read back from inside and outside,
# counters stored (throttling, memory.peak, oom_kill), nothing left behind, a dead
# orchestrator's groups repaired; as root and as a user in a delegated scope; doctor
# and the cache policies. Skipped, saying why, without QEMU, debootstrap or a mirror.
# Usage: cgroup_v2_test.sh SOURCE_DIR BUILD_DIR
set -eu
source_dir=$1
export ORCH_BUILD_DIR=$2
. "$source_dir/tests/vm/checks.sh"
run_guest cgroup_v2_guest.sh
q() { sqlite3 "$out/$1" "$2"; }
in_effect="status = 'ok' AND limits_mismatch IS NULL AND effective_memory_limit_bytes = 268435456
           AND outside_memory_limit_bytes = 268435456 AND peak_memory_bytes > 0"

check "doctor: the backend asks systemd for a delegated scope" "1" \
  "$(grep -c '^cgroups: cgroup v2 (cpu cpuset memory), run groups nested under a delegated scope' "$out/doctor")"
check "doctor: cache drop and evict usable" "2" "$(grep -c '^cache [a-z]*: usable' "$out/doctor")"
check "root: exit code (the oom cell fails, as it should)" "3" "$(cat "$out/root.exit")"
for cell in cgroup:1 unshare:0; do
  label=${cell%:*} cpus=${cell#*:}
  check "root, $label: quota, cpuset and memory in effect inside and outside, throttled" "1" \
    "$(q root.db "SELECT COUNT(*) FROM run_phases WHERE cell = '$label' AND $in_effect
       AND effective_cpus = '$cpus' AND outside_cpus = '$cpus' AND effective_cpu_quota_percent = 20
       AND outside_cpu_quota_percent = 20 AND nr_throttled > 0 AND throttled_ms > 0
       AND cgroup_path LIKE '/system.slice/orchestrator-%.scope/orchestrator-%/orch-%'")"
done
check "root: the OOM kill is stored, with the counter" "oom|1" \
  "$(q root.db "SELECT status, oom_kills FROM run_phases WHERE cell = 'cgroup-oom'")"
check "root: cache drop applied" "1" \
  "$(q root.db "SELECT COUNT(*) FROM run_phases WHERE cell = 'drop' AND $in_effect AND cache_action LIKE 'dropped all caches%'")"
check "root: cache evict applied, the model cold" "1" \
  "$(q root.db "SELECT COUNT(*) FROM run_phases WHERE cell = 'evict' AND $in_effect
       AND cache_action LIKE 'evicted%' AND model_resident_pct = 0")"
check "root: nothing left (no cgroup, scope or process of ours)" "" "$(cat "$out/root.left")"

check "dead orchestrator: its worker's setsid child was still there" "1" "$(grep -c '^sleep 1000' "$out/dead.before")"
check "dead orchestrator: the next start exits 0" "0" "$(cat "$out/after.exit")"
check "dead orchestrator: its run is stored as aborted, the next one ok" "aborted,ok" \
  "$(q dead.db "SELECT GROUP_CONCAT(status) FROM (SELECT status FROM runs ORDER BY id)")"
check "dead orchestrator: nothing of it is left after the next start" "" "$(cat "$out/dead.after")"

check "user: doctor in the delegated scope (no cpuset given to users)" "1" \
  "$(grep -c '^cgroups: cgroup v2 (cpu memory), run groups nested under this process' "$out/user.doctor")"
check "user: exit code (the oom cell fails, as it should)" "3" "$(cat "$out/user.exit")"
check "user: quota and memory in effect inside and outside, throttled, as the user" "1" \
  "$(q user.db "SELECT COUNT(*) FROM run_phases WHERE cell = 'user-cgroup'
       AND $in_effect AND effective_cpu_quota_percent = 20 AND outside_cpu_quota_percent = 20
       AND nr_throttled > 0 AND worker_uid = $(cat "$out/lab_uid")
       AND cgroup_path LIKE '/user.slice/user-%.slice/user@%.service/%.scope/orchestrator-%/orch-%'")"
check "user: the OOM kill is stored" "oom|1" "$(q user.db "SELECT status, oom_kills FROM run_phases WHERE cell = 'user-oom'")"
check "user: a cpuset cell is refused before anything runs, naming the setting" "1" \
  "$(grep -c "cpuset.yaml:8:[0-9]*: .*'cpuset' is not available" "$out/user.cpuset")"
check "user: validate exits non-zero" "1" "$(cat "$out/user.cpuset.exit")"
check "user: nothing left" "" "$(cat "$out/user.left")"
finish

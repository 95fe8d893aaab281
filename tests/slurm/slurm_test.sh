#!/bin/sh
# run --slurm against a real, private single-node Slurm cluster (private_slurm.sh).
# Usage: slurm_test.sh quickstart|scancel|sigterm|detach|collect-sigterm SOURCE_DIR BUILD_DIR
#   quickstart  the quickstart matrix through --slurm: every run stored, with its node
#               and the limits in effect as asked; nothing left afterwards
#   scancel     scancel of the running job stores its runs with Slurm's reason, and
#               --resume completes the experiment
#   sigterm     SIGTERM to the submitter cancels its job and exits 130; --resume
#               collects the cancelled job and completes the experiment
#   detach      --detach, then collect, gives the same DB content as a blocking run;
#               --slurm-split replicas runs the whole matrix once per job; and a new DB
#               beside an old jobs' folder takes none of its files
#   collect-sigterm  SIGTERM to collect while it ingests a finished job's DB exits 130 and
#               leaves the job uncollected; the next collect ingests the rest, no run twice
set -eu
mode=$1 source=$2 build=$3
. "$(cd "$(dirname "$0")" && pwd)/private_slurm.sh"
# detach: the controller forgets an ended job after 2 s (MinJobAge), so that job
# states come from the jobcomp file, and a job can leave the queue before collect.
[ "$mode" = detach ] && SLURM_EXTRA_CONF="MinJobAge=2"
slurm_test_begin "$build"   # sets $work, starts the cluster, exports SLURM_CONF
# A submitter a test started in the background ends with the test, whatever fails.
submitter=
trap 'if [ -n "$submitter" ]; then kill "$submitter" 2>/dev/null; wait "$submitter" 2>/dev/null; fi
      slurm_stop; rm -rf "$work"' EXIT
orchestrator=$build/bin/orchestrator
node=$(hostname -s)
q() { sqlite3 "$work/r.db" "$1"; }
# The measuring lock is the test's own; other tests of the suite may measure beside.
run() { "$orchestrator" run "$@" --db "$work/r.db" --lock "$work/lock" --share-machine; }

tiny_matrix() {  # tiny_matrix ITERATIONS
  cat <<YAML
name: slurm-test
runs: 3
warmup_runs: 1
worker:
  model: $build/models/tiny_cnn.pt
  input_shape: [1, 3, 32, 32]
  iterations: $1
matrix:
  placement:
    - {launcher: taskset, cpuset: "0"}
    - {launcher: cgroup, cpuset: "1", cpu_quota: 50%, memory: 256M}
YAML
}

# run --slurm --max-jobs 1 of MATRIX in the background, its pid in $submitter (the
# orchestrator's own, not a subshell's), its output in $work/out.txt.
background_run() {
  "$orchestrator" run "$1" --db "$work/r.db" --lock "$work/lock" --share-machine --slurm --max-jobs 1 \
    >"$work/out.txt" 2>&1 &
  submitter=$!
}

# Whether the first job's own DB holds a measured run yet.
measured_in_job() {
  job_db=$(q "SELECT job_db FROM slurm_jobs ORDER BY id LIMIT 1" 2>/dev/null)
  [ -n "$job_db" ] && [ -f "$job_db" ] &&
    n=$(sqlite3 "$job_db" "SELECT COUNT(*) FROM runs WHERE status = 'ok' AND is_warmup = 0" 2>/dev/null) &&
    [ "${n:-0}" -ge 1 ]
}

case $mode in
quickstart)
  "$orchestrator" validate --slurm "$source/configs/quickstart.yaml" >/dev/null
  echo "ok: the quickstart matrix validates against the partition"
  # A CPU and a memory limit the partition's nodes lack: refused at their line, before any job.
  for cell in '{launcher: taskset, cpuset: "7"}' '{launcher: cgroup, memory: 9000G}'; do
    printf 'name: too-big\nworker: {model: %s}\nmatrix:\n  cells:\n    - %s\n' \
      "$build/models/tiny_cnn.pt" "$cell" >"$work/big.yaml"
    status=0
    run "$work/big.yaml" --slurm >"$work/big.txt" 2>&1 || status=$?
    check "a cell the nodes cannot honour exits 1" "1" "$status"
    grep -q "big.yaml:5:.*of Slurm partition 'test'" "$work/big.txt" || { cat "$work/big.txt"; echo "FAIL: no file:line"; exit 1; }
  done
  check "nothing was submitted" "" "$(squeue -h)"
  echo "ok: cells the nodes cannot honour are refused at their line, and nothing is submitted"
  run "$source/configs/quickstart.yaml" --slurm --max-jobs 2 >"$work/out.txt" 2>&1 ||
    { tail -30 "$work/out.txt"; echo "FAIL: run --slurm exited $?"; exit 1; }
  check "every run is stored ok" "16" "$(q "SELECT COUNT(*) FROM run_phases WHERE status = 'ok'")"
  check "each run names its node and job" "$node|16" \
    "$(q "SELECT node, COUNT(*) FROM run_phases WHERE slurm_job_id IS NOT NULL GROUP BY node")"
  check "the jobs were collected" "2|COMPLETED" \
    "$(q "SELECT COUNT(*), GROUP_CONCAT(DISTINCT state) FROM slurm_jobs WHERE collected_at IS NOT NULL")"
  check "taskset cpuset=0 was in effect" "0" \
    "$(q "SELECT DISTINCT effective_cpus FROM run_phases WHERE launcher = 'taskset'")"
  check "the host cells had the job's whole node" "0-1" \
    "$(q "SELECT DISTINCT effective_cpus FROM run_phases WHERE launcher = 'host'")"
  check "the node's facts are stored" "$node|1" \
    "$(q "SELECT hostname, memory_mib > 0 AND cpu_model <> '' FROM hosts")"
  check "the experiment finished" "finished" "$(q "SELECT status FROM experiments")"
  grep -q "p50 ms" "$work/out.txt" || { echo "FAIL: no report printed"; exit 1; }
  echo "ok: the report was printed"
  ;;
scancel)
  tiny_matrix 4000 >"$work/m.yaml"
  background_run "$work/m.yaml"
  wait_for "a measured run in the job's DB" 120 measured_in_job
  job=$(q "SELECT job_id FROM slurm_jobs")
  scancel "$job"
  status=0
  wait "$submitter" || status=$?
  submitter=
  check "scancel of every job ends run like SIGTERM (exit 130)" "130" "$status"
  check "the experiment is left for --resume" "interrupted" "$(q "SELECT status FROM experiments")"
  cancelled=$(q "SELECT COUNT(*) FROM runs WHERE status = 'slurm_cancelled' AND reason LIKE 'Slurm job $job on $node: CANCELLED%'")
  [ "$cancelled" -ge 1 ] || { q "SELECT status, reason FROM runs"; echo "FAIL: no run stored as slurm_cancelled"; exit 1; }
  echo "ok: $cancelled unfinished run(s) stored as slurm_cancelled with Slurm's reason"
  kept=$(q "SELECT COUNT(*) FROM runs WHERE status = 'ok' AND is_warmup = 0")
  [ "$kept" -ge 1 ] || { echo "FAIL: the runs finished before the scancel were not kept"; exit 1; }
  echo "ok: the $kept measured run(s) finished before the scancel were kept"
  run "$work/m.yaml" --slurm --max-jobs 1 --resume >"$work/resume.txt" 2>&1 ||
    { tail -20 "$work/resume.txt"; echo "FAIL: --resume exited $?"; exit 1; }
  check "--resume completed the experiment" "finished|6|0" \
    "$(q "SELECT e.status, (SELECT COUNT(*) FROM run_phases WHERE is_warmup = 0 AND status = 'ok'),
                 (SELECT COUNT(*) FROM runs WHERE status LIKE 'slurm%') FROM experiments e")"
  check "--resume submitted only what was missing" "1" \
    "$(q "SELECT COUNT(*) FROM slurm_jobs WHERE id > 1 AND share NOT LIKE '%0:0-3/1:0-3%'")"
  ;;
sigterm)
  tiny_matrix 4000 >"$work/m.yaml"
  background_run "$work/m.yaml"
  wait_for "a measured run in the job's DB" 120 measured_in_job
  job=$(q "SELECT job_id FROM slurm_jobs")
  kill -TERM "$submitter"
  status=0
  wait "$submitter" || status=$?
  submitter=
  check "SIGTERM to the submitter ends it with 130" "130" "$status"
  grep -q "cancelled Slurm job(s) $job" "$work/out.txt" || { tail "$work/out.txt"; echo "FAIL: no cancel said"; exit 1; }
  gone() { [ -z "$(squeue -h -j "$job" -t pending,running,completing 2>/dev/null)" ]; }
  wait_for "its job is cancelled" 60 gone
  echo "ok: its job was cancelled"
  check "the experiment is left interrupted, its job to collect" "interrupted|1" \
    "$(q "SELECT status, (SELECT COUNT(*) FROM slurm_jobs WHERE collected_at IS NULL) FROM experiments")"
  run "$work/m.yaml" --slurm --max-jobs 1 --resume >"$work/resume.txt" 2>&1 ||
    { tail -20 "$work/resume.txt"; echo "FAIL: --resume exited $?"; exit 1; }
  check "--resume collected the cancelled job, then completed the experiment" "CANCELLED|finished|6|0" \
    "$(q "SELECT (SELECT state FROM slurm_jobs WHERE job_id = $job), e.status,
                 (SELECT COUNT(*) FROM run_phases WHERE is_warmup = 0 AND status = 'ok'),
                 (SELECT COUNT(*) FROM runs WHERE status LIKE 'slurm%') FROM experiments e")"
  ;;
detach)
  tiny_matrix 50 >"$work/m.yaml"
  run "$work/m.yaml" --slurm --max-jobs 2 >"$work/blocking.txt" 2>&1
  run "$work/m.yaml" --slurm --max-jobs 2 --detach >"$work/detach.txt" 2>&1
  grep -q "orchestrator collect" "$work/detach.txt" || { cat "$work/detach.txt"; echo "FAIL: --detach said nothing"; exit 1; }
  check "--detach returned with the experiment submitted" "submitted" "$(q "SELECT status FROM experiments WHERE id = 2")"
  # Collected once the controller has forgotten the jobs: their states from the jobcomp file.
  forgotten() {
    for id in $(q "SELECT job_id FROM slurm_jobs WHERE experiment_id = 2"); do
      ! scontrol show job -o "$id" >/dev/null 2>&1 || return 1
    done
  }
  wait_for "the controller has forgotten the detached jobs" 180 forgotten
  "$orchestrator" collect --db "$work/r.db" --wait >"$work/collect.txt" 2>&1 ||
    { cat "$work/collect.txt"; echo "FAIL: collect exited $?"; exit 1; }
  check "collect finished it" "finished" "$(q "SELECT status FROM experiments WHERE id = 2")"
  content() {
    q "SELECT cell_index, run_index, is_warmup, status, node, effective_cpus,
              (SELECT COUNT(*) FROM samples s WHERE s.run_id = r.run_id),
              (SELECT COUNT(*) FROM phases p WHERE p.run_id = r.run_id)
       FROM run_phases r WHERE experiment_id = $1 ORDER BY cell_index, run_index"
  }
  check "--detach and collect store what a blocking run stores" "$(content 1)" "$(content 2)"
  check "the same cell statistics" "$(q "SELECT cell, runs, runs_ok FROM cell_summary WHERE experiment_id = 1")" \
    "$(q "SELECT cell, runs, runs_ok FROM cell_summary WHERE experiment_id = 2")"
  "$orchestrator" collect --db "$work/r.db" >"$work/again.txt" 2>&1
  grep -q "no Slurm jobs left to collect" "$work/again.txt" || { cat "$work/again.txt"; echo "FAIL: collect again"; exit 1; }
  echo "ok: a second collect finds nothing left"
  check "job states came from the jobcomp file once the controller forgot the jobs" "jobcomp" \
    "$(q "SELECT DISTINCT state_source FROM slurm_jobs WHERE experiment_id = 2")"
  # A submitter that died before it heard sbatch's answers, its jobs since gone from
  # the queue: collect finds them by their DBs.
  q "DELETE FROM samples WHERE run_id IN (SELECT run_id FROM run_phases WHERE experiment_id = 2);
     DELETE FROM phases WHERE run_id IN (SELECT run_id FROM run_phases WHERE experiment_id = 2);
     DELETE FROM cell_statistics WHERE cell_id IN (SELECT id FROM cells WHERE experiment_id = 2);
     DELETE FROM runs WHERE cell_id IN (SELECT id FROM cells WHERE experiment_id = 2);
     UPDATE slurm_jobs SET job_id = NULL, collected_at = NULL, state = NULL WHERE experiment_id = 2;
     UPDATE experiments SET status = 'submitted' WHERE id = 2"
  "$orchestrator" collect --db "$work/r.db" >"$work/lost.txt" 2>&1 || { cat "$work/lost.txt"; echo "FAIL: collect"; exit 1; }
  check "jobs whose ids were never heard are collected from their DBs" "$(content 1)" "$(content 2)"
  check "with an unknown end" "UNKNOWN" "$(q "SELECT DISTINCT state FROM slurm_jobs WHERE experiment_id = 2")"
  # replicas: the whole matrix once per job, each copy's cells their own
  run "$work/m.yaml" --slurm --slurm-split replicas --max-jobs 2 >"$work/replicas.txt" 2>&1 ||
    { tail -20 "$work/replicas.txt"; echo "FAIL: --slurm-split replicas exited $?"; exit 1; }
  check "each replica is a job of the whole matrix" "2|0:0-3/1:0-3" \
    "$(q "SELECT COUNT(*), GROUP_CONCAT(DISTINCT share) FROM slurm_jobs WHERE experiment_id = 3")"
  check "each copy's cells are their own, with the node" \
    "0|taskset cpuset=0 [replica 1]|$node|1 1|taskset cpuset=0 [replica 2]|$node|1" \
    "$(q "SELECT replica, cell, node, COUNT(DISTINCT settings_hash) FROM cell_summary WHERE experiment_id = 3
          AND cell LIKE 'taskset%' GROUP BY replica" | tr '\n' ' ' | sed 's/ $//')"
  grep -q "mixed-hosts" "$work/replicas.txt" && { echo "FAIL: mixed-hosts on one node"; exit 1; }
  echo "ok: one node, so no mixed-hosts warning"
  # A new DB beside the old jobs' folder: its experiment 1 must not take their DBs.
  old_dbs=$(q "SELECT job_db FROM slurm_jobs" | sort)
  rm -f "$work/r.db" "$work/r.db-wal" "$work/r.db-shm"
  run "$work/m.yaml" --slurm --max-jobs 2 >"$work/again.txt" 2>&1
  check "a new DB's experiment 1 has only its own runs" "1|8" \
    "$(q "SELECT MAX(experiment_id), COUNT(*) FROM run_phases")"
  check "in job folders of its own" "" "$(q "SELECT job_db FROM slurm_jobs" | sort | comm -12 - "$(printf '%s\n' "$old_dbs" >"$work/old.txt"; echo "$work/old.txt")")"
  ;;
collect-sigterm)
  # Long runs, so that ingesting them takes seconds: 20 runs of 50000 iterations.
  tiny_matrix 50000 | sed 's/^runs: 3$/runs: 10/; s/^warmup_runs: 1$/warmup_runs: 0/' >"$work/m.yaml"
  run "$work/m.yaml" --slurm --max-jobs 1 --detach >"$work/detach.txt" 2>&1
  job=$(q "SELECT job_id FROM slurm_jobs")
  ended() { [ -z "$(squeue -h -j "$job" 2>/dev/null)" ]; }
  wait_for "the job to end" 600 ended
  check "the job measured every run" "20" "$(sqlite3 "$(q "SELECT job_db FROM slurm_jobs")" \
    "SELECT COUNT(*) FROM runs WHERE status = 'ok'")"
  "$orchestrator" collect --db "$work/r.db" >"$work/collect.txt" 2>&1 &
  submitter=$!
  ingesting() { [ "$(q "SELECT COUNT(*) FROM runs WHERE slurm_job_id IS NOT NULL" 2>/dev/null)" -ge 1 ]; }
  wait_for "collect to begin ingesting" 60 ingesting
  kill -TERM "$submitter"
  status=0
  wait "$submitter" || status=$?
  submitter=
  cat "$work/collect.txt"
  check "SIGTERM during the ingest ends collect with 130" "130" "$status"
  partial=$(q "SELECT COUNT(*) FROM runs WHERE slurm_job_id IS NOT NULL")
  [ "$partial" -lt 20 ] || { echo "FAIL: the ingest had ended before the signal ($partial runs)"; exit 1; }
  check "the job is left to collect, no run stored as failed" "1|0" \
    "$(q "SELECT (SELECT COUNT(*) FROM slurm_jobs WHERE collected_at IS NULL),
                 (SELECT COUNT(*) FROM runs WHERE status LIKE 'slurm%')")"
  echo "ok: interrupted after $partial of 20 runs, the job left uncollected"
  "$orchestrator" collect --db "$work/r.db" >"$work/again.txt" 2>&1 ||
    { cat "$work/again.txt"; echo "FAIL: the next collect exited $?"; exit 1; }
  check "the next collect ingested the rest, each run once" "20|20|COMPLETED|finished" \
    "$(q "SELECT COUNT(*), COUNT(DISTINCT cell_id || '.' || run_index),
                 (SELECT state FROM slurm_jobs), (SELECT status FROM experiments) FROM runs WHERE status = 'ok'")"
  check "the cells' statistics count every run" "10|10" "$(q "SELECT GROUP_CONCAT(runs_ok, '|') FROM cell_summary")"
  ;;
*) echo "usage: $0 quickstart|scancel|sigterm|detach|collect-sigterm SOURCE_DIR BUILD_DIR"; exit 2 ;;
esac
slurm_finish

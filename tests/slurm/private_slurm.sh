# Sourced by the Slurm tests: a private single-node Slurm cluster for one test --
# munged, slurmctld and slurmd, as root, every file under one folder, on private
# ports -- started with the recipe RUNTIMES.md found to work here and stopped by pid,
# never by name.
#   slurm_test_begin BUILD_DIR   skips (exit 77) without root or the packages, makes
#                                $work (removed on exit), starts the cluster, exports
#                                SLURM_CONF; $SLURM_EXTRA_CONF, if set, is added to
#                                slurm.conf
#   slurm_stop                   stops the daemons by pid, removes their cgroups and files
#   slurm_finish                 slurm_stop, then checks that no daemon, job cgroup or
#                                munge socket is left
#   check DESCRIPTION EXPECTED ACTUAL   prints ok, or FAIL and exits 1
#   wait_for DESCRIPTION SECONDS COMMAND...   polls COMMAND until it succeeds, or fails

slurm_start() {
  SLURM_DIR=$1
  mkdir -p "$SLURM_DIR/state" "$SLURM_DIR/spool"
  chmod 755 "$SLURM_DIR"
  node=$(hostname -s)
  memory_mb=$(awk '/MemTotal/ { print int($2 / 1024) - 1024 }' /proc/meminfo)
  cpus=$(nproc --all)
  head -c 1024 /dev/urandom >"$SLURM_DIR/munge.key"
  chmod 400 "$SLURM_DIR/munge.key"
  munged -F --force --key-file "$SLURM_DIR/munge.key" --socket "$SLURM_DIR/munge.sock" \
         --pid-file "$SLURM_DIR/munged.pid" --log-file "$SLURM_DIR/munged.log" \
         --seed-file "$SLURM_DIR/munge.seed" >/dev/null 2>&1 &
  MUNGED_PID=$!
  for _ in $(seq 50); do [ -S "$SLURM_DIR/munge.sock" ] && break; sleep 0.1; done
  cat >"$SLURM_DIR/slurm.conf" <<CONF
ClusterName=orchtest
SlurmctldHost=$node(127.0.0.1)
AuthType=auth/munge
AuthInfo=socket=$SLURM_DIR/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/slurmctld.log
SlurmdLogFile=$SLURM_DIR/slurmd.log
ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup,task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$SLURM_DIR/jobcomp.log
ReturnToService=2
MpiDefault=none
KillWait=10
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
${SLURM_EXTRA_CONF:-}
CONF
  cat >"$SLURM_DIR/cgroup.conf" <<CONF
CgroupPlugin=cgroup/v1
ConstrainCores=yes
ConstrainRAMSpace=yes
CONF
  export SLURM_CONF="$SLURM_DIR/slurm.conf"
  slurmctld -D -i -f "$SLURM_CONF" >"$SLURM_DIR/slurmctld.out" 2>&1 &
  SLURMCTLD_PID=$!
  slurmd -D -f "$SLURM_CONF" >"$SLURM_DIR/slurmd.out" 2>&1 &
  SLURMD_PID=$!
  for _ in $(seq 100); do
    sinfo -h -o %T 2>/dev/null | grep -qx idle && return 0
    sleep 0.2
  done
  echo "the private Slurm cluster did not come up:" >&2
  tail -5 "$SLURM_DIR/slurmctld.log" "$SLURM_DIR/slurmd.log" >&2
  return 1
}

# Whether process $1 still runs (a zombie does not).
alive() { [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }

# Kills one daemon of ours by its pid: TERM, then KILL after 10 s; then reaps it.
stop_pid() {
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null || true
  for _ in $(seq 100); do alive "$1" || break; sleep 0.1; done
  alive "$1" && kill -KILL "$1" 2>/dev/null
  for _ in $(seq 50); do alive "$1" || break; sleep 0.1; done
  wait "$1" 2>/dev/null || true
}

slurm_stop() {
  [ -n "${SLURM_DIR:-}" ] || return 0
  # Jobs first, so that slurmd ends their steps; then the daemons, the node's first.
  scancel --user=root --full 2>/dev/null || true
  for _ in $(seq 100); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.2; done
  stop_pid "${SLURMD_PID:-}"
  stop_pid "${SLURMCTLD_PID:-}"
  stop_pid "${MUNGED_PID:-}"
  SLURMD_PID= SLURMCTLD_PID= MUNGED_PID=
  # The job cgroups slurmd made (slurm_<node> in each v1 hierarchy), deepest first.
  for parent in /sys/fs/cgroup/*/slurm_"$(hostname -s)"; do
    [ -d "$parent" ] && find "$parent" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  rm -rf "$SLURM_DIR"
  SLURM_DIR=
}

slurm_finish() {
  pids="$MUNGED_PID $SLURMCTLD_PID $SLURMD_PID"
  socket="$SLURM_DIR/munge.sock"
  slurm_stop
  for pid in $pids; do
    if alive "$pid"; then echo "FAIL: Slurm daemon $pid is left"; exit 1; fi
  done
  echo "ok: no Slurm daemon is left"
  left=$(find /sys/fs/cgroup -maxdepth 2 -name "slurm_$(hostname -s)" 2>/dev/null)
  check "no Slurm cgroup is left" "" "$left"
  check "no munge socket is left" "no" "$([ -e "$socket" ] && echo yes || echo no)"
}

slurm_test_begin() {
  [ "$(id -u)" -eq 0 ] || { echo "SKIPPED: needs root to start a private Slurm cluster"; exit 77; }
  for daemon in slurmctld slurmd munged sbatch; do
    command -v "$daemon" >/dev/null ||
      { echo "SKIPPED: $daemon not installed (apt-get install slurm-wlm munge)"; exit 77; }
  done
  work=$(mktemp -d)
  chmod 755 "$work"
  trap 'slurm_stop; rm -rf "$work"' EXIT
  trap 'exit 1' INT TERM
  slurm_start "$work/slurm"
}

check() {  # check DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: expected '$2', got '$3'"; exit 1; fi
}

wait_for() {  # wait_for DESCRIPTION SECONDS COMMAND...
  description=$1 seconds=$2
  shift 2
  for _ in $(seq $((seconds * 5))); do "$@" && return 0; sleep 0.2; done
  echo "FAIL: $description: not within $seconds s"
  exit 1
}

# Sourced by the docker tests: a private Docker engine for one test, started with the
# flags RUNTIMES.md found to work here and stopped by its pid -- never by name.
#   docker_start DIR    starts dockerd with all its state under DIR, exports DOCKER_HOST
#   docker_stop         stops it, removes its cgroup folders and DIR
#   docker_test_begin BUILD_DIR
#                       for a test: skips (exit 77) without root or dockerd, makes $work
#                       (removed on exit), starts the engine, imports the worker image
#                       orchestrator-worker:test
#   check DESCRIPTION EXPECTED ACTUAL   prints ok, or FAIL and exits 1
#   test_matrix NAME RUNS
#                       prints a matrix's top (no warm-up runs, tiny_cnn.pt from
#                       $models, the test image); the caller appends its matrix:
# Containers' cgroups are nested under the daemon's own cgroup (a relative
# --cgroup-parent), never at a hierarchy's root.

docker_start() {
  DOCKER_DIR=$1
  mkdir -p "$DOCKER_DIR"
  dockerd --data-root "$DOCKER_DIR/data" --exec-root "$DOCKER_DIR/exec" \
          --pidfile "$DOCKER_DIR/dockerd.pid" --host "unix://$DOCKER_DIR/docker.sock" \
          --iptables=false --ip-masq=false --bridge=none --storage-driver=overlay2 \
          --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent=orchestrator-test-docker \
          >"$DOCKER_DIR/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  export DOCKER_HOST="unix://$DOCKER_DIR/docker.sock"
  for _ in $(seq 100); do
    docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "dockerd did not start:" >&2
  tail -20 "$DOCKER_DIR/dockerd.log" >&2
  return 1
}

docker_stop() {
  [ -n "${DOCKERD_PID:-}" ] || return 0
  # Containers first (a running one holds dockerd's shutdown up), then the daemon.
  containers=$(docker ps -aq 2>/dev/null || true)
  [ -z "$containers" ] || docker rm --force $containers >/dev/null 2>&1 || true
  kill "$DOCKERD_PID" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$DOCKERD_PID" 2>/dev/null; then
    kill -KILL "$DOCKERD_PID"
    for _ in $(seq 50); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  DOCKERD_PID=
  # dockerd bind-mounts its data root (and network namespaces) on themselves.
  for mount_point in $(awk -v dir="$DOCKER_DIR/" 'index($2, dir) == 1 { print $2 }' /proc/self/mounts | sort -r); do
    umount "$mount_point" 2>/dev/null || umount -l "$mount_point" || true
  done
  # Containers' groups first (deepest first), then the parent the engine made.
  for parent in $(find /sys/fs/cgroup -type d -name orchestrator-test-docker); do
    find "$parent" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  rm -rf "$DOCKER_DIR"
}

docker_test_begin() {
  [ "$(id -u)" -eq 0 ] || { echo "SKIPPED: needs root to start a Docker engine"; exit 77; }
  command -v dockerd >/dev/null || { echo "SKIPPED: dockerd not installed (apt-get install docker.io)"; exit 77; }
  work=$(mktemp -d)
  trap 'docker_stop; rm -rf "$work"' EXIT
  docker_start "$work/docker"
  "$(dirname "$0")/../../docker/build-image.sh" "$1" orchestrator-worker:test  # $0: the test script
}

check() {  # check DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAIL: $1: expected '$2', got '$3'"; exit 1; fi
}

test_matrix() {  # test_matrix NAME RUNS
  cat <<YAML
name: $1
runs: $2
warmup_runs: 0
worker:
  model: $models/tiny_cnn.pt
  input_shape: [1, 3, 32, 32]
  iterations: 20
  docker_image: orchestrator-worker:test
YAML
}

# Sourced by the guest scripts, as /opt/orch/lib.sh (guest.sh puts it there): what
# they share. The orchestrator's binaries and their libraries come from the project
# disk (/opt/orch).
cp -an /opt/orch/closure/. /   # the host's libraries the guest lacks (LibTorch, OpenBLAS, ...)
out=/opt/orch/out
O=/opt/orch/bin/orchestrator

# matrix FILE NAME RUNS: a matrix of the tiny model, no warm-up, its cells (the axis
# `limits`) read from stdin.
matrix() {
  {
    printf 'name: %s\nruns: %s\nwarmup_runs: 0\ntimeout_s: 600\n' "$2" "$3"
    echo 'worker: {model: /opt/orch/models/tiny_cnn.pt, input_shape: [1, 3, 16, 16], warmup_iterations: 1, iterations: 20}'
    printf 'matrix:\n  limits:\n'
    cat
  } > "$1"
}

# A worker that hangs, with a child that left its process group: /opt/orch/hang.sh.
hang_worker() {
  printf '#!/bin/sh\nsetsid sleep 1000 &\nexec sleep 1000\n' > /opt/orch/hang.sh
  chmod +x /opt/orch/hang.sh
}

# killed_mid_run MATRIX DB: runs the hang_worker matrix and SIGKILLs the orchestrator
# once the worker and its setsid child run (its stderr in DB.stderr).
killed_mid_run() {
  $O run "$1" --db "$2" --lock /run/orch.lock > /dev/null 2> "$2.stderr" &
  orchestrator=$!
  for i in $(seq 60); do
    [ "$(ps -eo args= | grep -c '^sleep 1000')" -ge 2 ] && break
    sleep 1
  done
  kill -KILL "$orchestrator"
  wait "$orchestrator" 2>/dev/null
  sleep 1
}

# lingering_user NAME: a user whose systemd manager runs without a login; sets $uid
# (and writes it to $out/lab_uid).
lingering_user() {
  useradd --create-home --shell /bin/sh "$1"
  uid=$(id -u "$1")
  echo "$uid" > "$out/lab_uid"
  loginctl enable-linger "$1"
  for i in $(seq 60); do
    [ "$(systemctl is-active "user@$uid.service")" = active ] && break
    sleep 1
  done
}

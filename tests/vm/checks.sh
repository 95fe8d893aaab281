# Sourced by the VM tests, with $source_dir set: run_guest SCRIPT boots the guest with
# tests/vm/SCRIPT and leaves its results in $out (removed at exit; ORCH_VM_KEEP=DIR keeps
# a copy), exiting 77 (skipped) when no guest can be had; check WHAT EXPECTED ACTUAL;
# finish, which fails the test (with the guest's log) when a check failed.
run_guest() {
  out=$(mktemp -d)
  trap 'if [ -n "${ORCH_VM_KEEP:-}" ]; then cp -r "$out" "$ORCH_VM_KEEP"; fi; rm -rf "$out"' EXIT
  status=0
  "$source_dir/tests/vm/guest.sh" run "$source_dir/tests/vm/$1" "$out" || status=$?
  [ "$status" -eq 77 ] && exit 77
  [ "$status" -eq 0 ] || { echo "the guest did not complete (exit $status)"; exit 1; }
}
failures=0
check() {
  if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAILED: $1: expected '$2', got '$3'"; failures=$((failures + 1)); fi
}
finish() {
  [ "$failures" -eq 0 ] && return 0
  for f in "$out"/*.stderr; do [ -f "$f" ] && { echo "--- $(basename "$f")"; tail -15 "$f"; }; done
  echo "--- guest log"; tail -20 "$out/log"
  exit 1
}

# Sourced by the VM tests: check WHAT EXPECTED ACTUAL, and finish, which fails the test
# (with the guest's log) when a check failed. $out is the test's output folder.
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

#!/bin/sh
# Prints the figures the README quotes, on this machine:
#   1. the orchestrator's fixed costs: the wall ratio of `orchestrator run` to a shell
#      loop of the same worker command, with its interval over interleaved pairs, and
#      the time of its own before the first run and between runs;
#   2. steady-state median latency, C++ worker against Python worker (same TorchScript
#      file, 1 intra-op and 1 inter-op thread set through the API);
#   3. cold start to first inference (spawn to the end of the first forward pass),
#      C++ against Python;
#   4. the time to drop the page cache (sync + drop_caches; needs root);
#   5. the results DB as its history grows: one experiment's views at 100,000 runs
#      against a one-experiment DB, and the time to store a run (build/bin/store_benchmark).
# A benchmark, not a test: it asserts nothing and prints figures.
# Usage: scripts/benchmark.sh [RUNS [PAIRS]]   (after scripts/build.sh; PAIRS: 20)
set -eu
cd "$(dirname "$0")/.."
runs=${1:-10}
pairs=${2:-20}
orchestrator=build/bin/orchestrator
worker=build/bin/bench_worker
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now_ms() { date +%s%3N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, kernel $(uname -r)"
echo "orchestrator $($orchestrator --version), $runs runs per figure"
echo

# 1. The orchestrator's fixed costs: `orchestrator run` of $runs tiny-model runs against
#    a shell loop running the same worker command $runs times, in $pairs interleaved
#    pairs (the machine is shared and noisy: only side by side do they compare). The
#    wall ratio is the geometric mean of the pairs' ratios, with its 95% t-interval.
#    Its own time (work and waits) is read from each run's DB: from the launch to the
#    first run's start, and between one run's reap and the next one's start.
tiny="--model build/models/tiny_cnn.pt --input-shape 1,3,32,32 --warmup-iterations 2 --iterations 20"
cat > "$work/overhead.yaml" <<YAML
name: overhead
runs: $runs
warmup_runs: 0
worker: {model: $PWD/build/models/tiny_cnn.pt, input_shape: [1, 3, 32, 32], warmup_iterations: 2, iterations: 20}
matrix: {launcher: [host]}
YAML
epoch_ms="(julianday(started_at) - 2440587.5) * 86400000"
children_cpu_ms() {  # the CPU time of this shell's children so far (`times`' second line), in CHILDREN_MS
  times > "$work/times"  # in this shell: a $(...) subshell would count only its own children
  CHILDREN_MS=$(sed -n 2p "$work/times" |
    awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%d", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }')
}
orchestrated() {
  rm -f "$work"/overhead.db*
  children_cpu_ms; cpu_before=$CHILDREN_MS
  launch=$(now_ms)
  $orchestrator --log-level warn run "$work/overhead.yaml" --db "$work/overhead.db" --lock "$work/lock" >/dev/null
  orchestrated_ms=$(( $(now_ms) - launch ))
  # Its own wall time outside the workers, less its own CPU time (and its helpers'):
  # what is left is waiting.
  children_cpu_ms
  sqlite3 "$work/overhead.db" "SELECT $orchestrated_ms - SUM(wall_ms), SUM(user_cpu_ms + sys_cpu_ms) FROM runs" |
    awk -F'|' -v cpu="$(( CHILDREN_MS - cpu_before ))" '{ print ($1 - (cpu - $2)) }' >> "$work/waits_ms"
  sqlite3 "$work/overhead.db" "SELECT MIN($epoch_ms) - $launch FROM runs" >> "$work/first_ms"
  sqlite3 "$work/overhead.db" "SELECT $epoch_ms - LAG($epoch_ms + wall_ms) OVER (ORDER BY id) FROM runs" |
    sed '/^$/d' >> "$work/gap_ms"
}
looped() {
  start=$(now_ms)
  for i in $(seq "$runs"); do $worker $tiny --result "$work/plain.json" >/dev/null; done
  looped_ms=$(( $(now_ms) - start ))
}
for pair in $(seq "$pairs"); do  # each goes first in every other pair
  if [ $((pair % 2)) -eq 1 ]; then orchestrated; looped; else looped; orchestrated; fi
  echo "$orchestrated_ms $looped_ms" >> "$work/pairs"
done
awk -v pairs="$pairs" '{ r = log($1 / $2); sum += r; sq += r * r; n++ } END {
  mean = sum / n; sd = sqrt((sq - n * mean * mean) / (n - 1)); df = n - 1; z = 1.959964
  t = z + (z^3 + z) / (4 * df) + (5 * z^5 + 16 * z^3 + 3 * z) / (96 * df^2)
  printf "1. fixed costs: orchestrator run / shell loop, wall time: %.3fx (95%% interval %.3fx to %.3fx, %d interleaved pairs of %s runs)\n",
         exp(mean), exp(mean - t * sd / sqrt(n)), exp(mean + t * sd / sqrt(n)), n, runs }' runs="$runs" "$work/pairs"
printf '   its own time, work and waits: %.1f ms from the launch to the first run (median of %s), %.1f ms between runs (median of %s gaps)\n' \
  "$(median < "$work/first_ms")" "$(wc -l < "$work/first_ms")" "$(median < "$work/gap_ms")" "$(wc -l < "$work/gap_ms")"
printf '   of which waits (its own time outside the workers less its CPU time, median of %s experiments): %.1f ms, %s ms per run\n' \
  "$(wc -l < "$work/waits_ms")" "$(median < "$work/waits_ms")" "$(median < "$work/waits_ms" | awk -v n="$runs" '{ printf "%.1f", $1 / n }')"

# 2 and 3. C++ against Python on MobileNetV2.
cat > "$work/workers.yaml" <<YAML
name: cpp-vs-python
runs: $runs
warmup_runs: 1
worker: {model: $PWD/build/models/mobilenet_v2.pt, warmup_iterations: 10, iterations: 50}
matrix:
  worker_kind:
    - {label: cpp, torch_threads: {intra_op: 1, inter_op: 1}}
    - {label: python, torch_threads: {intra_op: 1, inter_op: 1}, program: $PWD/worker/python/bench_worker.py}
YAML
$orchestrator --log-level warn run "$work/workers.yaml" --db "$work/workers.db" --lock "$work/lock" >/dev/null
figure() {  # figure CELL SQL_EXPRESSION_PER_RUN
  sqlite3 "$work/workers.db" "SELECT $2 FROM run_phases WHERE cell = '$1' AND is_warmup = 0 AND status = 'ok'" | median
}
first_inference_end="(SELECT start_ms + duration_ms FROM phases p WHERE p.run_id = run_phases.run_id AND p.name = 'first_inference')"
printf '2. steady-state median latency (MobileNetV2, 1 thread): C++ %.2f ms, Python %.2f ms\n' \
  "$(figure cpp latency_p50_ms)" "$(figure python latency_p50_ms)"
printf '3. cold start to first inference (page cache warm): C++ %.0f ms (library load %.0f ms), Python %.0f ms (import torch %.0f ms)\n' \
  "$(figure cpp "$first_inference_end")" "$(figure cpp library_load_ms)" \
  "$(figure python "$first_inference_end")" "$(figure python library_load_ms)"

# 4. Dropping the page cache.
if [ -w /proc/sys/vm/drop_caches ]; then
  cat build/models/mobilenet_v2.pt >/dev/null
  for i in $(seq "$runs"); do
    start=$(now_ms); sync; echo 3 > /proc/sys/vm/drop_caches; echo $(( $(now_ms) - start ))
  done | median > "$work/drop_ms"
  printf '4. sync + drop_caches: %s ms (median; the first after a warm run is slower)\n' "$(cat "$work/drop_ms")"
else
  echo "4. sync + drop_caches: not measured (needs root)"
fi

# 5. The results DB as its history grows (in a folder on the same disk as the DB would be).
echo
echo "5. results DB:"
mkdir -m 700 "$work/store"
build/bin/store_benchmark "${STORE_RUNS:-100000}" "$work/store" | sed 's/^/   /'

#!/bin/sh
# Prints the figures the README quotes, on this machine:
#   1. orchestrator overhead per run, against a plain fork-exec of the same worker;
#   2. steady-state median latency, C++ worker against Python worker (same TorchScript
#      file, 1 intra-op and 1 inter-op thread set through the API);
#   3. cold start to first inference (spawn to the end of the first forward pass),
#      C++ against Python;
#   4. the time to drop the page cache (sync + drop_caches; needs root);
#   5. the results DB as its history grows: one experiment's views at 100,000 runs
#      against a one-experiment DB, and the time to store a run (build/bin/store_benchmark).
# A benchmark, not a test: it asserts nothing and prints figures.
# Usage: scripts/benchmark.sh [RUNS]   (after scripts/build.sh)
set -eu
cd "$(dirname "$0")/.."
runs=${1:-10}
orchestrator=build/bin/orchestrator
worker=build/bin/bench_worker
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now_ms() { date +%s%3N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, kernel $(uname -r)"
echo "orchestrator $($orchestrator --version), $runs runs per figure"
echo

# 1. Overhead per run: the same tiny-model run, plain and through the orchestrator.
tiny="--model build/models/tiny_cnn.pt --input-shape 1,3,32,32 --warmup-iterations 2 --iterations 20"
for i in $(seq "$runs"); do
  start=$(now_ms); $worker $tiny --result "$work/plain.json"; echo $(( $(now_ms) - start ))
done | median > "$work/plain_ms"
cat > "$work/overhead.yaml" <<YAML
name: overhead
runs: $runs
warmup_runs: 0
worker: {model: $PWD/build/models/tiny_cnn.pt, input_shape: [1, 3, 32, 32], warmup_iterations: 2, iterations: 20}
matrix: {launcher: [host]}
YAML
start=$(now_ms)
$orchestrator --log-level warn run "$work/overhead.yaml" --db "$work/overhead.db" --lock "$work/lock" >/dev/null
total=$(( $(now_ms) - start ))
inside=$(sqlite3 "$work/overhead.db" "SELECT wall_ms FROM runs" | median)
awk -v plain="$(cat "$work/plain_ms")" -v inside="$inside" -v total="$total" -v runs="$runs" 'BEGIN {
  printf "1. overhead per run: plain fork-exec %.1f ms; through the orchestrator %.1f ms spawn to reap (+%.1f ms), %.1f ms per run including validation and storing (+%.1f ms)\n",
         plain, inside, inside - plain, total / runs, total / runs - plain }'

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

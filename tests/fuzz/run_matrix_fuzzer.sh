#!/bin/sh
# Builds the matrix parser's libFuzzer target with clang (ASan + UBSan) and runs it
# for a bounded time from the shipped configs and the broken-input corpus. Any crash,
# sanitizer report, or exception other than UserError fails the test.
# Usage: run_matrix_fuzzer.sh SOURCE_DIR WORK_DIR [SECONDS]
set -eu
source_dir=$1
work=$2
seconds=${3:-60}
command -v clang++ >/dev/null || { echo "SKIPPED: clang++ not installed (apt-get install clang libclang-rt-14-dev)"; exit 77; }
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
  { echo "SKIPPED: libFuzzer's runtime is not installed (apt-get install libclang-rt-14-dev)"; exit 77; }
mkdir -p "$work/corpus"
o="$source_dir/orchestrator"
# With the toolchain present, a build failure is a failure of this test, not a skip.
clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$o" -I"$source_dir" "$source_dir/tests/fuzz/matrix_fuzzer.cpp" \
  "$o"/matrix/*.cpp "$o/common/cpu_list.cpp" "$o/common/spelling.cpp" "$o/common/error.cpp" \
  "$o/common/text.cpp" "$o/common/safe_files.cpp" "$o/common/value.cpp" \
  -lyaml-cpp -o "$work/matrix_fuzzer"
cp "$source_dir"/configs/*.yaml "$source_dir"/tests/data/bad/*.yaml "$work/corpus/"
cd "$work"
status=0
./matrix_fuzzer -max_total_time="$seconds" -seed=1 -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 corpus >fuzz.log 2>&1 || status=$?
tail -25 fuzz.log
exit $status

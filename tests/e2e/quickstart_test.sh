#!/bin/sh
# MobileNetV2 end to end, once: the quickstart matrix into a fresh DB, then the
# README's query. Usage: quickstart_test.sh ORCHESTRATOR QUICKSTART_YAML
set -eu
orchestrator=$1
matrix=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$orchestrator" run "$matrix" --db "$dir/results.db"
cells_ok=$(sqlite3 "$dir/results.db" \
  "SELECT COUNT(*) FROM cell_summary WHERE runs_ok = runs AND runs = 3 AND model_load_ms > 0 AND latency_p50_ms > 0")
echo "cells with 3/3 ok runs, model load and p50: $cells_ok"
[ "$cells_ok" -eq 4 ]

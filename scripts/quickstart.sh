#!/bin/sh
# The README's first command: install, build, export the default model, and run the
# quickstart matrix (configs/quickstart.yaml) into results.db, printing the table.
set -eu
cd "$(dirname "$0")/.."
sh scripts/build.sh >&2  # stdout is for the results table
exec build/bin/orchestrator run configs/quickstart.yaml --db results.db

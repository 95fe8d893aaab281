#!/bin/sh
# The README's second command: install, build, and run the whole test suite (ctest).
set -eu
cd "$(dirname "$0")/.."
sh scripts/build.sh
cd build
exec ctest --output-on-failure -j"$(nproc)" "$@"

#!/bin/sh
# Installs the dependencies, then configures and builds into build/ (the orchestrator,
# the worker, the tests, and the TorchScript models in build/models). Idempotent.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DORCH_WERROR=$werror
cmake --build build -j"$(nproc)"

#!/bin/sh
# Builds the worker image without a registry (none is reachable on many lab servers):
# a root filesystem holding bench_worker, its LibTorch plugin and every shared library
# `ldd` lists for them, imported with `docker import`.
# Usage: docker/build-image.sh [BUILD_DIR] [IMAGE]
#   BUILD_DIR defaults to build/, IMAGE to orchestrator-worker:latest.
# Uses DOCKER_HOST like any docker command. Where a registry is reachable, the
# Dockerfile beside this script builds an equivalent image from Debian packages.
set -eu
build=${1:-build}
image=${2:-orchestrator-worker:latest}
for file in "$build/bin/bench_worker" "$build/bin/libbench_torch.so"; do
  [ -f "$file" ] || { echo "build-image.sh: $file is missing; build first (scripts/build.sh)" >&2; exit 1; }
done

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/orchestrator/bin" "$root/orchestrator/model" "$root/orchestrator/results" \
         "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/etc"
chmod 1777 "$root/tmp"
cp "$build/bin/bench_worker" "$build/bin/libbench_torch.so" "$root/orchestrator/bin/"
# The libraries (symlinks resolved, e.g. the libblas.so.3 alternative) and the loader.
ldd "$build/bin/bench_worker" "$build/bin/libbench_torch.so" |
  awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $1 !~ /:$/ { print $1 }' | sort -u |
  while read -r library; do cp --parents -L "$library" "$root"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo "importing $(du -sh "$root" | cut -f1) as $image"
tar -C "$root" -c . | docker import --change 'WORKDIR /orchestrator' - "$image" >/dev/null
echo "built $image"

#!/bin/sh
# Installs every build and run dependency from Debian 12's own packages (apt-get only;
# nothing is downloaded from anywhere else). Idempotent: does nothing when all are there.
set -eu

PACKAGES="
  g++ cmake make git clang libclang-rt-14-dev clang-format
  libtorch-dev libopenblas0-openmp
  python3-torch python3-torchvision python3-jsonschema python3-yaml
  libboost-dev libboost-filesystem-dev libboost-system-dev
  libspdlog-dev libyaml-cpp-dev libsqlitecpp-dev libsqlite3-dev sqlite3
  nlohmann-json3-dev libcli11-dev catch2
  util-linux docker.io
  libjs-chart.js chromium
  qemu-system-x86 qemu-utils debootstrap e2fsprogs
  slurm-wlm munge
"
# libopenblas0-openmp: without a real BLAS, Debian's libtorch falls back to the
# reference BLAS and runs MobileNetV2 ~7x slower. docker.io: the docker launcher and
# its tests (which start a private engine of their own; nothing is started here).
# libjs-chart.js: Chart.js, inlined into `report --format html` (no network); chromium:
# the test that opens that report headless and counts what it drew. qemu-system-x86,
# qemu-utils, debootstrap: the systemd + cgroup v2 guest of tests/vm (ctest -L vm).
# slurm-wlm, munge: run --slurm, and its tests, which start a private cluster of their
# own (ctest -L slurm); the packages' own daemons are not needed.

missing=""
for package in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $package"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
echo "installing:$missing"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing

#!/bin/sh
# A real systemd + cgroup v2 host for the tests: a Debian 12 guest under QEMU's
# software emulation (this machine has neither, and must not be changed).
#
#   guest.sh image              build the base image once; cached, keyed by its inputs
#   guest.sh run SCRIPT OUT     boot a throwaway copy of it with the project's binaries,
#                               run SCRIPT in it as root (a oneshot unit), power off, and
#                               copy what SCRIPT left in /opt/orch/out to OUT
#
# The cache is $ORCH_VM_CACHE (default /var/cache/orchestrator-vm). The project's
# binaries, their library closure and the models reach the guest on a second disk,
# made with mkfs.ext4 -d (no mount, no loop device); results come back from that disk
# with debugfs. The QEMU process is killed by its pid on any exit of this script.
# Exits 77 (skipped) with a reason when QEMU, debootstrap or the mirror is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
build=${ORCH_BUILD_DIR:-$source_dir/build}
cache=${ORCH_VM_CACHE:-/var/cache/orchestrator-vm}
packages=systemd-sysv,linux-image-cloud-amd64,initramfs-tools,util-linux,procps,dbus,dbus-user-session
skip() { echo "skipped: $*"; exit 77; }

mirror() { sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1; }

# The base image, built once and cached.
base_image() {
  for tool in qemu-system-x86_64 qemu-img debootstrap mkfs.ext4 debugfs; do
    command -v "$tool" >/dev/null || skip "$tool is not installed (apt-get install qemu-system-x86 qemu-utils debootstrap e2fsprogs)"
  done
  [ "$(id -u)" -eq 0 ] || skip "building the guest image needs root (debootstrap)"
  url=$(mirror)
  [ -n "$url" ] || skip "no Debian mirror in /etc/apt/sources.list.d/debian.sources"
  # Keyed by what makes the image: this function's text, the packages, the mirror.
  key=$( (sed -n '/^base_image() {/,/^}/p' "$0"; echo "$packages $url") | sha256sum | cut -c1-16)
  image="$cache/base-$key"
  if [ ! -f "$image/disk.img" ]; then
    mkdir -p "$cache"
    work=$(mktemp -d "$cache/building-XXXXXX")
    trap 'rm -rf "$work"' EXIT
    echo "guest.sh: building the guest image in $image (debootstrap, about a minute)" >&2
    debootstrap --variant=minbase --include="$packages" bookworm "$work/root" "$url" >"$work/debootstrap.log" 2>&1 ||
      { tail -5 "$work/debootstrap.log" >&2; skip "debootstrap from $url failed (no mirror reachable?)"; }
    root="$work/root"
    echo "/dev/vda / ext4 defaults 0 1" > "$root/etc/fstab"
    echo "LABEL=orch /opt/orch ext4 defaults,nofail 0 2" >> "$root/etc/fstab"
    mkdir -p "$root/opt/orch"
    echo orchestrator-guest > "$root/etc/hostname"
    # The test: a oneshot unit that runs /opt/orch/test.sh, then powers the guest off.
    cat > "$root/etc/systemd/system/orch-test.service" <<'UNIT'
[Unit]
Description=orchestrator guest test
After=multi-user.target opt-orch.mount
RequiresMountsFor=/opt/orch
[Service]
Type=oneshot
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
ExecStart=/bin/sh -c 'sh /opt/orch/test.sh > /opt/orch/out/log 2>&1; echo "orch-test exit $?" > /dev/ttyS0'
ExecStopPost=/bin/systemctl poweroff --no-block
[Install]
WantedBy=multi-user.target
UNIT
    ln -s /etc/systemd/system/orch-test.service "$root/etc/systemd/system/multi-user.target.wants/orch-test.service"
    cp "$root"/boot/vmlinuz-* "$work/vmlinuz"
    cp "$root"/boot/initrd.img-* "$work/initrd.img"
    mkfs.ext4 -q -F -d "$root" "$work/disk.img" 3G >&2
    rm -rf "$root"
    rm -rf "$cache"/base-*  # images of older inputs
    mv "$work" "$image"
    trap - EXIT
  fi
  echo "$image"
}

# The second disk: binaries, their library closure, the models, the test script.
project_disk() {  # SCRIPT DISK
  stage=$(mktemp -d)
  mkdir -p "$stage/bin" "$stage/models" "$stage/out" "$stage/closure"
  cp "$build/bin/orchestrator" "$build/bin/bench_worker" "$build/bin/libbench_torch.so" "$stage/bin/"
  cp "$build/models/tiny_cnn.pt" "$stage/models/"
  cp -r "$source_dir/configs" "$stage/configs"
  ldd "$build/bin/orchestrator" "$build/bin/bench_worker" "$build/bin/libbench_torch.so" |
    awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $1 !~ /:$/ { print $1 }' | sort -u |
    while read -r library; do
      # Under the folder's real path: the guest's /lib is a link to /usr/lib (merged /usr).
      folder=$(readlink -f "$(dirname "$library")")
      mkdir -p "$stage/closure$folder"
      cp -L "$library" "$stage/closure$folder/$(basename "$library")"
    done
  cp "$1" "$stage/test.sh"
  cp "$here/guest_lib.sh" "$stage/lib.sh"
  size=$(( $(du -sm "$stage" | cut -f1) * 2 + 256 ))
  mkfs.ext4 -q -F -L orch -d "$stage" "$2" "${size}M" >&2
  rm -rf "$stage"
}

case "${1:-}" in
  image) base_image ;;
  run)
    [ $# -eq 3 ] || { echo "usage: guest.sh run SCRIPT OUT" >&2; exit 2; }
    image=$(base_image)
    work=$(mktemp -d)
    qemu_pid=""
    cleanup() {
      if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then kill -KILL "$qemu_pid"; wait "$qemu_pid" 2>/dev/null || true; fi
      rm -rf "$work"
    }
    trap cleanup EXIT
    trap 'exit 130' INT TERM HUP
    qemu-img create -q -f qcow2 -b "$image/disk.img" -F raw "$work/root.qcow2"
    project_disk "$2" "$work/project.img"
    # -cpu max: the TCG CPU with every feature QEMU emulates; the default qemu64 lacks
    # instructions LibTorch's code uses (its workers died of SIGILL there).
    qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 2048 -nographic -no-reboot \
      -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
      -append "console=ttyS0 root=/dev/vda rw quiet systemd.unified_cgroup_hierarchy=1" \
      -drive file="$work/root.qcow2",format=qcow2,if=virtio \
      -drive file="$work/project.img",format=raw,if=virtio \
      -serial file:"$work/console.log" -monitor none -display none < /dev/null &
    qemu_pid=$!
    timeout=${ORCH_VM_TIMEOUT_S:-900}
    waited=0
    while kill -0 "$qemu_pid" 2>/dev/null && [ "$waited" -lt "$timeout" ]; do sleep 1; waited=$((waited + 1)); done
    if kill -0 "$qemu_pid" 2>/dev/null; then echo "guest.sh: the guest ran past ${timeout} s" >&2; tail -20 "$work/console.log" >&2; exit 1; fi
    wait "$qemu_pid" || true
    qemu_pid=""
    mkdir -p "$3"
    cp "$work/console.log" "$3/console.log"
    # What the test left in /opt/orch/out, without mounting the disk.
    for name in $(debugfs -R "ls -p /out" "$work/project.img" 2>/dev/null | awk -F/ '$6 != "" && $6 != "." && $6 != ".." { print $6 }'); do
      debugfs -R "dump /out/$name $3/$name" "$work/project.img" >/dev/null 2>&1
    done
    grep -q "orch-test exit" "$3/console.log" || { echo "guest.sh: the test did not run; the console:" >&2; tail -30 "$3/console.log" >&2; exit 1; }
    sed -n 's/.*orch-test exit \([0-9]*\).*/\1/p' "$3/console.log" | tail -1 > "$3/exit_code"
    ;;
  *) echo "usage: guest.sh image | run SCRIPT OUT" >&2; exit 2 ;;
esac

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Choose the accelerator the benchmarks run on: print "kvm" or "tcg".
#
# usage: kunit/bench-accel.sh BZIMAGE [LOG]
#
# kunit.py always asks QEMU for kvm, then hvf, then tcg, and QEMU takes the
# first that initialises: where /dev/kvm opens but nested KVM cannot run
# the guest, that is kvm and the guest hangs after "Decompressing
# Linux..." until kunit.py's timeout. So where /dev/kvm opens, BZIMAGE (a
# KUnit kernel of kunit/bench.sh) is booted under "-accel kvm" alone with
# KUnit off: kvm if it gets through its boot within 30 s, tcg if it does
# not or if /dev/kvm is missing or does not open. QEMU's output goes to LOG
# (default build/bench.kvm-probe.log).
# BENCH_ACCEL=kvm or BENCH_ACCEL=tcg skips the probe; BENCH_KVM_DEV (default
# /dev/kvm) is the device tried first.
set -eu
. "$(dirname "$0")/../scripts/lib.sh"

usage() { echo "usage: $0 BZIMAGE [LOG]" >&2; exit 2; }
case ${1:-} in -h|--help) usage ;; esac
case $# in 1|2) ;; *) usage ;; esac
kernel=$1
out=${2:-$BUILD/bench.kvm-probe.log}
kvm_dev=${BENCH_KVM_DEV:-/dev/kvm}

case ${BENCH_ACCEL:-} in
kvm|tcg) echo "$BENCH_ACCEL"; exit 0 ;;
"") ;;
*) die "BENCH_ACCEL=$BENCH_ACCEL: kvm or tcg" ;;
esac
[ -f "$kernel" ] || die "$kernel: no kernel to probe with"
rm -f "$out"

if ! (exec 3<>"$kvm_dev") 2>/dev/null; then
	log "$kvm_dev does not open: TCG"
	echo tcg
	exit 0
fi

# QEMU as kunit.py starts it (qemu_configs/x86_64.py, kunit_kernel.py), with
# -accel kvm only and KUnit off: it prints "kunit: disabled" at the end of
# its boot and reboots, which ends QEMU (-no-reboot).
timeout 30 qemu-system-x86_64 -nodefaults -m 1024 \
	-kernel "$kernel" \
	-append 'kunit.enable=0 kunit_shutdown=reboot console=ttyS0' \
	-no-reboot -nographic -accel kvm -serial stdio \
	-bios qboot.rom -smp 2 < /dev/null > "$out" 2>&1 || :
if grep -q 'kunit: disabled' "$out"; then
	echo kvm
else
	log "no boot under KVM within 30 s (log: $out): TCG"
	echo tcg
fi

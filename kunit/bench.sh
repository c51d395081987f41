#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the devmem benchmark cases and print their "bench:" lines.
#
# usage: kunit/bench.sh [kunit.py run options...]
#
# Benchmarks are KUnit cases marked slow, each printing one parseable line.
# They run under QEMU x86_64 with two vCPUs, not UML: on UML SMP every
# per-cpu operation pays a local_irq_save/restore pair (~2.2 us), which would
# make per-cpu code look a hundred times slower than it is.
#
# Accelerator: kunit.py always asks QEMU for kvm, then hvf, then tcg, and
# QEMU takes the first that initialises. Where /dev/kvm opens, the built
# kernel is first booted under "-accel kvm" alone with KUnit off: kvm if it
# gets through its boot within 30 s; TCG if it does not (nested KVM that
# hangs after "Decompressing Linux...") or if /dev/kvm is missing or does
# not open. Either way kunit/qemu-accel/ goes first in PATH: a
# qemu-system-x86_64 that drops every other "-accel", so QEMU runs on that
# one or fails, never silently on another. "bench: accel=kvm" or
# "bench: accel=tcg" comes before the figures; under TCG they are the
# emulator's, compare ratios within one run.
# BENCH_ACCEL=kvm or BENCH_ACCEL=tcg skips the probe; BENCH_KVM_DEV (default
# /dev/kvm) is the device tried first.
set -eu
. "$(dirname "$0")/../scripts/lib.sh"

"$TOP/scripts/deps.sh" qemu-system-x86
# The tree at HEAD plus kunit/bench/*.c, in a worktree: build/bench-tree.
tree=$("$TOP/kunit/bench-tree.sh" "${KUNIT_TREE:-$LINUX}")
bdir=${KUNIT_BUILD_DIR:-$BUILD/kunit-x86_64}
out=${KUNIT_OUT:-$BUILD/bench}
kvm_dev=${BENCH_KVM_DEV:-/dev/kvm}
kunit=(--arch=x86_64 --build_dir="$bdir"
       --kunitconfig=net/core/.kunitconfig
       --kunitconfig="$TOP/kunit/bench.kunitconfig"
       --make_options CC="ccache gcc" --jobs "$(nproc)")

mkdir -p "$CCACHE_DIR"
# A failed build leaves the last run's log: never print its figures.
rm -f "$bdir/test.log" "$out.kvm-probe.log"
: > "$out.log"
cd "$tree"

# Does KVM get the built kernel through its boot? QEMU as kunit.py starts it
# (qemu_configs/x86_64.py, kunit_kernel.py), with -accel kvm only and KUnit
# off: it prints "kunit: disabled" at the end of its boot and reboots, which
# ends QEMU (-no-reboot).
kvm_boots() {
	timeout 30 qemu-system-x86_64 -nodefaults -m 1024 \
		-kernel "$bdir/arch/x86/boot/bzImage" \
		-append 'kunit.enable=0 kunit_shutdown=reboot console=ttyS0' \
		-no-reboot -nographic -accel kvm -serial stdio \
		-bios qboot.rom -smp 2 < /dev/null > "$out.kvm-probe.log" 2>&1
	grep -q 'kunit: disabled' "$out.kvm-probe.log"
}

accel=${BENCH_ACCEL:-}
if [ -z "$accel" ]; then
	if ! (exec 3<>"$kvm_dev") 2>/dev/null; then
		log "$kvm_dev does not open: TCG"
		accel=tcg
	else
		./tools/testing/kunit/kunit.py build "${kunit[@]}" >> "$out.log" 2>&1 ||
			{ tail -n 20 "$out.log"; die "the x86_64 kernel does not build"; }
		if kvm_boots; then
			accel=kvm
		else
			log "no boot under KVM within 30 s (log: $out.kvm-probe.log): TCG"
			accel=tcg
		fi
	fi
fi
case $accel in
kvm|tcg) ;;
*)	die "BENCH_ACCEL=$accel: kvm or tcg" ;;
esac
BENCH_QEMU=$(command -v qemu-system-x86_64)
export BENCH_QEMU BENCH_ACCEL=$accel PATH=$TOP/kunit/qemu-accel:$PATH

set +e
./tools/testing/kunit/kunit.py run "${kunit[@]}" --qemu_args='-smp 2' \
	--filter 'speed=slow' --timeout 1200 \
	--json="$out.json" "$@" 'devmem*' >> "$out.log" 2>&1
rc=$?
set -e
tail -n 3 "$out.log"
echo "bench: accel=$accel"
# "    # <case>: bench: <name> k=v...", printed by the case itself.
sed -n 's/^.*# [A-Za-z0-9_]*: \(bench: [a-z_]* .*\)$/\1/p' "$bdir/test.log" |
	grep . || { log "no bench: lines"; rc=1; }
exit "$rc"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the devmem benchmark cases and print their "bench:" lines.
#
# usage: kunit/bench.sh [kunit.py run options...]
#
# Benchmarks are KUnit cases marked slow, each printing one parseable line.
# They run under QEMU x86_64 with two vCPUs, not UML: on UML SMP every
# per-cpu operation pays a local_irq_save/restore pair (~2.2 us), which would
# make per-cpu code look a hundred times slower than it is. QEMU here has no
# KVM, so absolute figures are the emulator's; compare ratios within one run.
set -eu
. "$(dirname "$0")/../scripts/lib.sh"

"$TOP/scripts/deps.sh" qemu-system-x86
tree=${KUNIT_TREE:-$LINUX}
bdir=${KUNIT_BUILD_DIR:-$BUILD/kunit-x86_64}
out=${KUNIT_OUT:-$BUILD/bench}

mkdir -p "$CCACHE_DIR"
# A failed build leaves the last run's log: never print its figures.
rm -f "$bdir/test.log"
cd "$tree"
set +e
./tools/testing/kunit/kunit.py run --arch=x86_64 --qemu_args='-smp 2' \
	--build_dir="$bdir" \
	--kunitconfig=net/core/.kunitconfig \
	--kunitconfig="$TOP/kunit/bench.kunitconfig" \
	--make_options CC="ccache gcc" --jobs "$(nproc)" \
	--filter 'speed=slow' --timeout 1200 \
	--json="$out.json" "$@" 'devmem*' > "$out.log" 2>&1
rc=$?
set -e
tail -n 3 "$out.log"
# "    # <case>: bench: <name> k=v...", printed by the case itself.
sed -n 's/^.*# [A-Za-z0-9_]*: \(bench: [a-z_]* .*\)$/\1/p' "$bdir/test.log" |
	grep . || { log "no bench: lines"; rc=1; }
exit "$rc"
